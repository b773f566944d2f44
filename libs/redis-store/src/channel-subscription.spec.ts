import Redis, { Cluster, type RedisOptions } from 'ioredis';
import { InvalidConfigError } from '@breakwater/resilience';
import { checkSubscriber, duplicateForPubSub } from './channel-subscription';
import { COORDINATION_REDIS_OPTIONS } from './coordination-redis';

// Connections that never connect (lazyConnect): only their options are looked at.
const opened: Redis[] = [];
function connection(options: RedisOptions): Redis {
  const redis = new Redis({ lazyConnect: true, ...options });
  opened.push(redis);
  return redis;
}

afterAll(() => {
  for (const redis of opened) redis.disconnect();
});

function problemsOf(subscriber: Redis): readonly string[] {
  try {
    checkSubscriber(subscriber);
  } catch (error) {
    if (error instanceof InvalidConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('checkSubscriber', () => {
  it('refuses a subscriber that re-subscribes by itself, whose failure nothing would handle', () => {
    expect(problemsOf(connection({}))).toEqual([expect.stringMatching(/^it must have autoResubscribe: false: /)]);
    expect(problemsOf(connection({ maxRetriesPerRequest: null }))).toHaveLength(1);
  });

  it('accepts one that leaves re-subscribing to the fleet, whatever its timeouts', () => {
    expect(problemsOf(connection({ commandTimeout: 250, maxRetriesPerRequest: 0, autoResubscribe: false }))).toEqual([]);
  });
});

describe('duplicateForPubSub', () => {
  it('drops what makes coordination commands fail fast, and ioredis auto-resubscribe', () => {
    const duplicate = duplicateForPubSub(connection({ ...COORDINATION_REDIS_OPTIONS }));
    if (!(duplicate instanceof Redis)) throw new Error('expected a Redis connection');
    opened.push(duplicate);

    expect(duplicate.options).toMatchObject({ maxRetriesPerRequest: null, autoResubscribe: false, enableOfflineQueue: true });
    expect(duplicate.options.commandTimeout).toBeUndefined();
  });

  it('gives a Cluster subscriber an offline queue, so its first SUBSCRIBE waits for the Cluster to be ready', () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true, enableOfflineQueue: false, redisOptions: { commandTimeout: 250, maxRetriesPerRequest: 0 } });
    const duplicate = duplicateForPubSub(cluster);
    if (!(duplicate instanceof Cluster)) throw new Error('expected a Cluster connection');
    expect(duplicate.options.enableOfflineQueue).toBe(true);
    expect(duplicate.options.redisOptions).toMatchObject({ maxRetriesPerRequest: null, autoResubscribe: false });
    expect(duplicate.options.redisOptions?.commandTimeout).toBeUndefined();
    duplicate.disconnect();
    cluster.disconnect();
  });
});
