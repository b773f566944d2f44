import { createRedisConnection, parseRedisUrl, type RedisConnection, type RedisTarget } from '@breakwater/redis-store';

/**
 * The instance's payment and queue connections, one configuration per job (architecture.md
 * section 6), to the Redis `REDIS_URL` names in any of its forms (one server, Cluster, Sentinel;
 * docs/redis-deployments.md):
 * - data: payments, idempotency keys, audit; fails fast, so that a Redis outage turns into a
 *   quick 503 rather than a request waiting a minute.
 * - queues: BullMQ; `maxRetriesPerRequest: null` as BullMQ's workers require.
 * The coordination connection (breakers, budgets, cache) is the Breakwater registry's
 * (`policies.redis`, @breakwater/nestjs), which closes it after flushing the breakers.
 * The URL is read here, before any connection exists: a bad form stops start-up with its message.
 */
export class RedisConnections {
  readonly target: RedisTarget;
  readonly data: RedisConnection;
  private readonly queueConnections: RedisConnection[] = [];

  constructor(url: string) {
    this.target = parseRedisUrl(url);
    this.data = createRedisConnection(this.target, 'data');
    this.data.on('error', () => undefined); // surfaced by failing commands and /health/ready
  }

  /** A new connection for a BullMQ queue or worker. */
  forQueue(): RedisConnection {
    const connection = createRedisConnection(this.target, 'queue');
    connection.on('error', () => undefined);
    this.queueConnections.push(connection);
    return connection;
  }

  async close(): Promise<void> {
    for (const c of [this.data, ...this.queueConnections]) c.disconnect();
  }
}
