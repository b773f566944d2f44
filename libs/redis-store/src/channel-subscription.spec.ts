import Redis, { type RedisOptions } from 'ioredis';
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
});
