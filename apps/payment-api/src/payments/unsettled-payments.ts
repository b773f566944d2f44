import { join } from 'node:path';
import type { RedisConnection } from '@breakwater/redis-store';
import { defineScript, type ScriptCall } from '@breakwater/redis-store';
import { PAYMENT_SHARDS, paymentShardOf } from './payment-shards';

const LUA = join(__dirname, 'lua');

/**
 * Shards of the unsettled index: the payment shards (payment-shards.ts). Every payment adds
 * itself to it and takes itself off again, so one key would put all payment traffic on one Redis
 * Cluster shard (architecture.md section 2): the index is this many sorted sets, each in the slot
 * of its shard's payments.
 */
export const UNSETTLED_SHARDS = PAYMENT_SHARDS;

/** The key of one shard: `pay:unsettled:{<n>}`, the shard's hash tag. */
export const unsettledShardKey = (prefix: string, shard: number): string => `${prefix}pay:unsettled:{${shard}}`;

/** An entry of the index: a payment and when it was added (Redis time, ms). */
export interface UnsettledEntry {
  paymentId: string;
  addedAt: number;
}

/**
 * Payments whose request has not handed them off yet: added before the record is created,
 * removed once the request (or a recovery) has settled the payment (its follow-ups come from the outbox).
 * What stays here longer than the lease belongs to a request that died, and the abandoned-payment
 * sweeper recovers it even if its client never comes back.
 *
 * UNSETTLED_SHARDS sorted sets (score: when it was added, Redis time, the clock of the payment
 * records), a payment's entry in the shard of its id; the sweeper reads them all, and takes an
 * entry off only if it is still the one it read (removeIfUnchanged). Kept outside the payment's scripts
 * because those touch one payment's slot only. Not atomic with them, and need not be: it is added
 * before the record exists and removed after the hand-off, so every payment that could be left
 * behind is in it, and an entry left over (a removal that failed) only costs the sweeper a look at
 * a payment that is fine, which it finds settled.
 */
export class UnsettledPayments {
  private readonly keys: readonly string[];
  private readonly addScript: ScriptCall;
  private readonly removeScript: ScriptCall;
  private readonly postponeScript: ScriptCall;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.keys = Array.from({ length: UNSETTLED_SHARDS }, (_, shard) => unsettledShardKey(prefix, shard));
    this.addScript = defineScript(redis, { file: 'add-unsettled-payment-1.lua', dir: LUA });
    this.removeScript = defineScript(redis, { file: 'remove-unsettled-payment-1.lua', dir: LUA });
    this.postponeScript = defineScript(redis, { file: 'postpone-unsettled-payment-1.lua', dir: LUA });
  }

  /** Puts the payment on the index, or moves its entry to now (Redis time). */
  async add(paymentId: string): Promise<void> {
    await this.addScript([this.keyOf(paymentId)], [paymentId]);
  }

  /** Takes the payment off, whatever its entry (its own request handing it off). */
  async remove(paymentId: string): Promise<void> {
    await this.redis.zrem(this.keyOf(paymentId), paymentId);
  }

  /**
   * Takes the entry off only if it is still the one read (same score): one added again since
   * belongs to a live request. Whether it was taken off.
   */
  async removeIfUnchanged(entry: UnsettledEntry): Promise<boolean> {
    return (await this.removeScript([this.keyOf(entry.paymentId)], [entry.paymentId, entry.addedAt])) === 1;
  }

  /**
   * Moves the entry to score `toMs` (Redis time), only if it is still the one read: the sweeper
   * looks at it again later, and entries behind it get their turn. Whether it moved.
   */
  async postpone(entry: UnsettledEntry, toMs: number): Promise<boolean> {
    return (await this.postponeScript([this.keyOf(entry.paymentId)], [entry.paymentId, entry.addedAt, toMs])) === 1;
  }

  /**
   * Up to `limit` entries added before `beforeMs` (Redis time), oldest first, with when: the
   * oldest `limit` of each shard, merged.
   */
  async addedBefore(beforeMs: number, limit: number): Promise<UnsettledEntry[]> {
    const shards = await Promise.all(this.keys.map((key) => this.redis.zrangebyscore(key, '-inf', beforeMs, 'WITHSCORES', 'LIMIT', 0, limit)));
    const entries: UnsettledEntry[] = [];
    for (const flat of shards) for (let i = 0; i < flat.length; i += 2) entries.push({ paymentId: flat[i], addedAt: Number(flat[i + 1]) });
    return entries.sort((a, b) => a.addedAt - b.addedAt).slice(0, limit);
  }

  /** Entries over all shards. */
  async count(): Promise<number> {
    const counts = await Promise.all(this.keys.map((key) => this.redis.zcard(key)));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /** The index shard a payment's entry is in: the same hash tag as its keys (PaymentStore.create puts it there in its script). */
  shardKeyOf(paymentId: string): string {
    return this.keys[paymentShardOf(paymentId)];
  }

  private keyOf(paymentId: string): string {
    return this.shardKeyOf(paymentId);
  }
}
