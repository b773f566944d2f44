import type Redis from 'ioredis';

/**
 * Payments whose request has not handed them off yet: added before the record is created,
 * removed once the request (or a recovery) has settled the payment and queued its follow-ups.
 * What stays here longer than the lease belongs to a request that died, and the abandoned-payment
 * sweeper recovers it even if its client never comes back.
 *
 * One sorted set (score: when it was added, this instance's clock), kept outside the payment's
 * scripts because those touch one payment's slot only. Not atomic with them, and need not be:
 * it is added before the record exists and removed after the hand-off, so every payment that
 * could be left behind is in it, and an entry left over (a removal that failed) only costs the
 * sweeper a look at a payment that is fine, whose follow-ups it queues again (harmless by job id).
 */
export class UnsettledPayments {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}pay:unsettled`;
  }

  async add(paymentId: string): Promise<void> {
    await this.redis.zadd(this.key, Date.now(), paymentId);
  }

  async remove(paymentId: string): Promise<void> {
    await this.redis.zrem(this.key, paymentId);
  }

  /** Up to `limit` entries added before `beforeMs` (this instance's clock), oldest first, with when. */
  async addedBefore(beforeMs: number, limit: number): Promise<{ paymentId: string; addedAt: number }[]> {
    const flat = await this.redis.zrangebyscore(this.key, '-inf', beforeMs, 'WITHSCORES', 'LIMIT', 0, limit);
    const entries: { paymentId: string; addedAt: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) entries.push({ paymentId: flat[i], addedAt: Number(flat[i + 1]) });
    return entries;
  }

  async count(): Promise<number> {
    return this.redis.zcard(this.key);
  }
}
