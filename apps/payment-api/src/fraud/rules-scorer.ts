import type { RedisConnection } from '@breakwater/redis-store';

/** Payments per customer per minute above which velocity raises the score. */
export const VELOCITY_WINDOW_S = 60;
export const VELOCITY_LIMIT = 10;

/**
 * The fraud score when the fraud service cannot answer: simple, explainable rules on the amount
 * and on the customer's payment velocity (counted in Redis, so the whole fleet counts together).
 * Conservative: it declines less than the service would, never more than the amount warrants.
 */
export class RulesScorer {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async score(customerId: string, amount: number): Promise<number> {
    let velocity = 0;
    try {
      const key = `${this.prefix}fraud:velocity:{${customerId.replace(/[{}]/g, '_')}}`;
      const [[, count]] = (await this.redis.multi().incr(key).expire(key, VELOCITY_WINDOW_S, 'NX').exec()) as [[null, number]];
      velocity = count;
    } catch {
      // Without Redis the velocity is unknown: score on the amount alone.
    }
    const byAmount = amount >= 500_000 ? 0.8 : amount >= 100_000 ? 0.5 : amount >= 20_000 ? 0.2 : 0.05;
    const byVelocity = velocity > VELOCITY_LIMIT ? 0.4 : 0;
    return Math.min(0.99, Math.round((byAmount + byVelocity) * 100) / 100);
  }
}
