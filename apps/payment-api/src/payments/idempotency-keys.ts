import { join } from 'node:path';
import type Redis from 'ioredis';
import { defineScript, type ScriptCall } from '@breakwater/redis-store';
import { idempotencyKey } from './payment-keys';

const LUA = join(__dirname, 'lua');

/** How long a key is remembered (replays within this time get the stored answer). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type Claim =
  | { kind: 'new'; paymentId: string }
  | { kind: 'conflict' }
  | { kind: 'done'; answer: StoredAnswer }
  /** A request with this key is running (its lease has not expired). */
  | { kind: 'pending'; paymentId: string }
  /** The pending claim's lease had expired (its request died): the key is now this caller's, with a new lease. */
  | { kind: 'stale'; paymentId: string };

/** The answer stored for a key: replays get it again. */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

/** Idempotency-Key records (claim-idempotency-key-1.lua, settle-idempotency-key-1.lua). */
export class IdempotencyKeys {
  private readonly claimScript: ScriptCall;
  private readonly settleScript: ScriptCall;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    this.claimScript = defineScript(redis, { file: 'claim-idempotency-key-1.lua', dir: LUA });
    this.settleScript = defineScript(redis, { file: 'settle-idempotency-key-1.lua', dir: LUA });
  }

  /**
   * Claims the key for `newPaymentId` with a lease of `leaseMs` (Redis time): a pending claim
   * whose lease expired is taken over ('stale', with the payment id it was claimed for).
   */
  async claim(clientKey: string, bodyHash: string, newPaymentId: string, leaseMs: number): Promise<Claim> {
    const reply = await this.claimScript([idempotencyKey(this.prefix, clientKey)], [bodyHash, newPaymentId, IDEMPOTENCY_TTL_MS, Math.max(1, Math.round(leaseMs))]);
    if (!Array.isArray(reply)) throw new Error(`unexpected reply to claim-idempotency-key: ${JSON.stringify(reply)}`);
    const [kind, value] = reply.map(String);
    if (kind === 'new' || kind === 'pending' || kind === 'stale') return { kind, paymentId: value };
    if (kind === 'done') return { kind, answer: JSON.parse(value) as StoredAnswer };
    return { kind: 'conflict' };
  }

  async complete(clientKey: string, paymentId: string, answer: StoredAnswer): Promise<void> {
    await this.settleScript([idempotencyKey(this.prefix, clientKey)], [paymentId, 'done', JSON.stringify(answer)]);
  }

  async release(clientKey: string, paymentId: string): Promise<void> {
    await this.settleScript([idempotencyKey(this.prefix, clientKey)], [paymentId, 'release', '']);
  }
}
