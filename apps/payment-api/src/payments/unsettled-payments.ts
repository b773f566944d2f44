import type Redis from 'ioredis';

/**
 * Shards of the unsettled index. Every payment adds itself to it and takes itself off again, so
 * one key would put all payment traffic on one Redis Cluster shard (architecture.md section 2):
 * the index is this many sorted sets, each with a hash tag of its own.
 */
export const UNSETTLED_SHARDS = 16;

/** The shard a payment's entry lives in: FNV-1a of its id, modulo UNSETTLED_SHARDS. */
export function unsettledShardOf(paymentId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < paymentId.length; i++) {
    hash ^= paymentId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % UNSETTLED_SHARDS;
}

/** The key of one shard: `pay:unsettled:{<n>}`, its own hash tag, so its own slot. */
export const unsettledShardKey = (prefix: string, shard: number): string => `${prefix}pay:unsettled:{${shard}}`;

/** An entry of the index: a payment and when it was added. */
export interface UnsettledEntry {
  paymentId: string;
  addedAt: number;
}

/**
 * Payments whose request has not handed them off yet: added before the record is created,
 * removed once the request (or a recovery) has settled the payment and queued its follow-ups.
 * What stays here longer than the lease belongs to a request that died, and the abandoned-payment
 * sweeper recovers it even if its client never comes back.
 *
 * UNSETTLED_SHARDS sorted sets (score: when it was added, this instance's clock), a payment's
 * entry in the shard of its id; the sweeper reads them all. Kept outside the payment's scripts
 * because those touch one payment's slot only. Not atomic with them, and need not be: it is added
 * before the record exists and removed after the hand-off, so every payment that could be left
 * behind is in it, and an entry left over (a removal that failed) only costs the sweeper a look at
 * a payment that is fine, whose follow-ups it queues again (harmless by job id).
 */
export class UnsettledPayments {
  private readonly keys: readonly string[];

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = Array.from({ length: UNSETTLED_SHARDS }, (_, shard) => unsettledShardKey(prefix, shard));
  }

  async add(paymentId: string): Promise<void> {
    await this.redis.zadd(this.keyOf(paymentId), Date.now(), paymentId);
  }

  async remove(paymentId: string): Promise<void> {
    await this.redis.zrem(this.keyOf(paymentId), paymentId);
  }

  /**
   * Up to `limit` entries added before `beforeMs` (this instance's clock), oldest first, with
   * when: the oldest `limit` of each shard, merged.
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

  private keyOf(paymentId: string): string {
    return this.keys[unsettledShardOf(paymentId)];
  }
}
