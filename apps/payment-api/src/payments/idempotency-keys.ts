import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { RedisConnection } from '@breakwater/redis-store';
import { defineScript, ReplicaWait, REPLICA_WAIT_OFF, type ReplicaWaitSettings, type ScriptCall } from '@breakwater/redis-store';
import { idempotencyKey } from './payment-keys';

const LUA = join(__dirname, 'lua');

/** How long a key is remembered (replays within this time get the stored answer). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type Claim =
  | { kind: 'new'; held: HeldKey }
  | { kind: 'conflict' }
  | { kind: 'done'; answer: StoredAnswer }
  /** A request with this key is running (its lease has not expired). */
  | { kind: 'pending'; paymentId: string }
  /** The pending claim's lease had expired (its request died): the key is now this caller's, with a new lease. */
  | { kind: 'stale'; held: HeldKey };

/**
 * A key as one claim holds it: only that claim can settle it (complete or release), and only
 * while it is pending. A recovery that takes the key over gets a new token, so the request it
 * overtook can no longer settle it.
 */
export interface HeldKey {
  clientKey: string;
  paymentId: string;
  token: string;
}

/**
 * What settling a key did: 'settled'; 'answered', the key has an answer already (a recovery
 * stored it) and keeps it: the caller answers with it; 'lost', another claim holds the key (or
 * it is gone): the caller's settle changed nothing.
 */
export type Settlement = { kind: 'settled' } | { kind: 'answered'; answer: StoredAnswer } | { kind: 'lost' };

/** The answer stored for a key: replays get it again. */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

/** Idempotency-Key records (claim-idempotency-key-1.lua, settle-idempotency-key-1.lua). */
export class IdempotencyKeys {
  private readonly claimScript: ScriptCall;
  private readonly settleScript: ScriptCall;
  /** REDIS_WAIT_REPLICAS: a claim waits for a replica; a lost one would let a retry charge again (docs/redis-deployments.md). */
  private readonly replicas: ReplicaWait;

  constructor(
    redis: RedisConnection,
    private readonly prefix: string,
    replicaWait: ReplicaWaitSettings = REPLICA_WAIT_OFF,
  ) {
    this.claimScript = defineScript(redis, { file: 'claim-idempotency-key-1.lua', dir: LUA });
    this.settleScript = defineScript(redis, { file: 'settle-idempotency-key-1.lua', dir: LUA });
    this.replicas = new ReplicaWait(redis, replicaWait);
  }

  /**
   * Claims the key for `newPaymentId` with a lease of `leaseMs` (Redis time): a pending claim
   * whose lease expired is taken over ('stale', with the payment id it was claimed for). A claim
   * that holds the key ('new', 'stale') gets a token of its own to settle it with.
   */
  async claim(clientKey: string, bodyHash: string, newPaymentId: string, leaseMs: number): Promise<Claim> {
    const token = randomUUID();
    const reply = await this.claimScript([idempotencyKey(this.prefix, clientKey)], [bodyHash, newPaymentId, IDEMPOTENCY_TTL_MS, Math.max(1, Math.round(leaseMs)), token]);
    if (!Array.isArray(reply)) throw new Error(`unexpected reply to claim-idempotency-key: ${JSON.stringify(reply)}`);
    const [kind, value] = reply.map(String);
    if (kind === 'new' || kind === 'stale') {
      const held = { clientKey, paymentId: value, token };
      // Unconfirmed, a new claim is given back (nothing was done with it): the 503's retry claims afresh.
      await this.replicas.confirm(idempotencyKey(this.prefix, clientKey)).catch(async (error: unknown) => {
        if (kind === 'new') await this.release(held).catch(() => undefined);
        throw error;
      });
      return { kind, held };
    }
    if (kind === 'pending') return { kind, paymentId: value };
    if (kind === 'done') return { kind, answer: JSON.parse(value) as StoredAnswer };
    return { kind: 'conflict' };
  }

  /** Stores the answer every replay gets, if `key` still holds the key and it has no answer yet. */
  complete(key: HeldKey, answer: StoredAnswer): Promise<Settlement> {
    return this.settle(key, 'done', JSON.stringify(answer));
  }

  /** Gives the key back (the client's retry is a fresh attempt), if `key` still holds it and it has no answer yet. */
  release(key: HeldKey): Promise<Settlement> {
    return this.settle(key, 'release', '');
  }

  private async settle(key: HeldKey, action: 'done' | 'release', answer: string): Promise<Settlement> {
    const reply = await this.settleScript([idempotencyKey(this.prefix, key.clientKey)], [key.paymentId, key.token, action, answer]);
    if (!Array.isArray(reply)) throw new Error(`unexpected reply to settle-idempotency-key: ${JSON.stringify(reply)}`);
    if (reply[0] === 1) return { kind: 'settled' };
    if (reply[0] === -1) return { kind: 'answered', answer: JSON.parse(String(reply[1])) as StoredAnswer };
    return { kind: 'lost' };
  }
}
