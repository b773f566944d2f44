import { join } from 'node:path';
import type { RedisConnection } from '@breakwater/redis-store';
import { defineScript, type ScriptCall } from '@breakwater/redis-store';

/**
 * How much of the export file is accounted for: every complete line before this offset names an
 * entry whose payment's export mark covers it. Kept in Redis, fleet-wide, per file path (the
 * fleet shares the file): an export reads the file only from here on, which is nothing unless a
 * writer died between appending and marking. It moves by compare-and-set only
 * (advance-audit-checkpoint-1.lua), from the offset the export read: an export overtaken by
 * another (a stalled worker and its rerun) can neither move it back nor past lines it did not see.
 */
export class AuditExportCheckpoint {
  private readonly key: string;
  private readonly advanceScript: ScriptCall;

  constructor(
    private readonly redis: RedisConnection,
    keyPrefix: string,
    private readonly path: string,
  ) {
    this.key = `${keyPrefix}audit-export:checkpoint`;
    this.advanceScript = defineScript(redis, { file: 'advance-audit-checkpoint-1.lua', dir: join(__dirname, 'lua') });
  }

  async offset(): Promise<number> {
    const value = Number(await this.redis.hget(this.key, this.path));
    return Number.isInteger(value) && value > 0 ? value : 0;
  }

  /** Moves it from `from` (as read) to `to`; false when it is no longer `from`: another export moved it. */
  async advance(from: number, to: number): Promise<boolean> {
    const reply = await this.advanceScript([this.key], [this.path, from, to]);
    return Array.isArray(reply) && reply[0] === 1;
  }
}
