import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { RedisConnection } from '@breakwater/redis-store';
import { defineScript, type ScriptCall } from '@breakwater/redis-store';
import type { NotifyChannel } from './queue-table';

const LUA = join(__dirname, 'lua');

/** Default: at most this many payments notify one destination per window (NOTIFY_RATE_LIMIT). */
export const DEFAULT_NOTIFY_RATE_LIMIT = 10;
/** Default window of the per-destination limit (NOTIFY_RATE_WINDOW_MS): one hour. */
export const DEFAULT_NOTIFY_RATE_WINDOW_MS = 60 * 60 * 1000;

export interface NotifyRateSettings {
  limit: number;
  windowMs: number;
}

/**
 * How many payments may notify one destination per window, fleet-wide (take-notify-slot-1.lua):
 * a client cannot use the gateway to flood an address or a phone. The destination is hashed, so
 * no address or number is written to Redis; one key (one hash tag) per destination and window.
 */
export class NotifyRateLimit {
  private readonly takeScript: ScriptCall;

  constructor(
    redis: RedisConnection,
    private readonly prefix: string,
    private readonly settings: NotifyRateSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.takeScript = defineScript(redis, { file: 'take-notify-slot-1.lua', dir: LUA });
  }

  /** Whether payment `paymentId` may notify `target` on `channel` (it keeps its slot if asked again). */
  async allows(channel: NotifyChannel, target: string, paymentId: string): Promise<boolean> {
    const destination = createHash('sha256').update(`${channel}:${target}`).digest('hex');
    const window = Math.floor(this.now() / this.settings.windowMs);
    const key = `${this.prefix}notify-rate:{${destination}}:${window}`;
    return (await this.takeScript([key], [paymentId, this.settings.limit, this.settings.windowMs])) === 1;
  }
}
