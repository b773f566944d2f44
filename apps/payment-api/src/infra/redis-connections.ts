import Redis from 'ioredis';
import { createCoordinationRedis } from '@breakwater/redis-store';

/**
 * The instance's Redis connections, one configuration per job (architecture.md section 6):
 * - coordination: breakers, budgets, cache; fails fast, never queues, never resends.
 * - data: payments, idempotency keys, audit; fails fast too, so that a Redis outage turns into a
 *   quick 503 rather than a request waiting a minute.
 * - queues: BullMQ; `maxRetriesPerRequest: null` as BullMQ's workers require.
 */
export class RedisConnections {
  readonly coordination: Redis;
  readonly data: Redis;
  private readonly queueConnections: Redis[] = [];

  constructor(private readonly url: string) {
    this.coordination = createCoordinationRedis(url);
    this.data = new Redis(url, {
      enableOfflineQueue: false,
      commandTimeout: 1_000,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectTimeout: 1_000,
      retryStrategy: (attempt) => Math.min(50 * attempt, 500),
    });
    for (const c of [this.coordination, this.data]) c.on('error', () => undefined); // surfaced by failing commands and /health/ready
  }

  /** A new connection for a BullMQ queue or worker. */
  forQueue(): Redis {
    const connection = new Redis(this.url, { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: (attempt) => Math.min(100 * attempt, 1_000) });
    connection.on('error', () => undefined);
    this.queueConnections.push(connection);
    return connection;
  }

  async close(): Promise<void> {
    for (const c of [this.coordination, this.data, ...this.queueConnections]) c.disconnect();
  }
}
