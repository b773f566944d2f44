// The fleet's shared cache over one real Redis: each "instance" is its own ReadThroughCache over
// its own RedisCacheStore and ioredis connection, as separate processes of the payment API would be.
import { once } from 'node:events';
import Redis from 'ioredis';
import { ReadThroughCache, type CacheLookup, type CacheOptions, type CacheResult } from '@breakwater/resilience';
import { cacheEntryKeys, createCoordinationRedis, RedisCacheStore } from '@breakwater/redis-store';
import { redisUrl, startRedisServer, uniquePrefix, type RedisServerHandle } from './support/redis-server';
import { nextTurn, sleep, waitFor } from './support/wait-for';

const CACHE = 'fx-rates';
const KEY = 'EUR-USD';
// Far below the Redis command timeout these instances use, and loose enough for a busy CI machine.
const FAST_MS = 150;

interface Rate {
  pair: string;
  rate: number;
}

class ProviderDown extends Error {
  override readonly name = 'ProviderDown';
}

/** The downstream behind the cache: answers rate n on its n-th call, after delayMs, or fails. */
class RateProvider {
  calls = 0;
  failing = false;
  delayMs = 0;

  readonly load = async (): Promise<Rate> => {
    const call = ++this.calls;
    const failing = this.failing;
    if (this.delayMs > 0) await sleep(this.delayMs);
    else await nextTurn();
    if (failing) throw new ProviderDown('503 rates unavailable');
    return { pair: KEY, rate: call };
  };
}

interface Instance {
  redis: Redis;
  cache: ReadThroughCache<Rate>;
  lookups: CacheLookup[];
}

class CacheFleet {
  readonly prefix = uniquePrefix('cache');
  readonly instances: Instance[] = [];

  constructor(private readonly url: string = redisUrl()) {}

  async start(count: number, options: CacheOptions<Rate>): Promise<Instance[]> {
    const started: Instance[] = [];
    for (let i = 0; i < count; i++) {
      const redis = createCoordinationRedis(this.url);
      redis.on('error', () => undefined);
      if (redis.status !== 'ready') await once(redis, 'ready');
      const cache = new ReadThroughCache<Rate>(CACHE, new RedisCacheStore({ redis, keyPrefix: this.prefix, cache: CACHE, commandTimeoutMs: 1_000 }), options);
      const instance: Instance = { redis, cache, lookups: [] };
      cache.onLookup((l) => instance.lookups.push(l));
      this.instances.push(instance);
      started.push(instance);
    }
    return started;
  }

  /** The entry as Redis holds it: its `at` (Redis ms) and Redis's own time now. */
  async entryInRedis(): Promise<{ at: number; now: number; ttlMs: number } | undefined> {
    const redis = this.instances[0].redis;
    const { entry } = cacheEntryKeys(this.prefix, CACHE, KEY);
    const at = await redis.hget(entry, 'at');
    if (at === null) return undefined;
    const [seconds, micros] = await redis.time();
    return { at: Number(at), now: Number(seconds) * 1000 + Math.floor(Number(micros) / 1000), ttlMs: await redis.pttl(entry) };
  }

  async close(): Promise<void> {
    const cleaner = this.instances.find((i) => i.redis.status === 'ready')?.redis;
    // Best effort: a connection to a Redis the test killed may still say 'ready' for a moment.
    if (cleaner !== undefined) {
      const keys = await cleaner.keys(`${this.prefix}*`).catch((): string[] => []);
      if (keys.length > 0) await cleaner.del(...keys).catch(() => undefined);
    }
    for (const i of this.instances) i.redis.disconnect();
  }
}

describe('a read-through cache shared by the fleet over one Redis', () => {
  let fleet: CacheFleet;
  let server: RedisServerHandle | undefined;

  afterEach(async () => {
    await fleet.close();
    await server?.cleanup();
    server = undefined;
  });

  it('given instance A cached a rate, when it is past freshMs and the provider fails, then instance B serves the stale rate flagged stale with the error', async () => {
    const freshMs = 200;
    fleet = new CacheFleet();
    const [a, b] = await fleet.start(2, { freshMs, staleMs: 5_000 });
    const provider = new RateProvider();

    expect(await a.cache.get(KEY, provider.load)).toMatchObject({ value: { rate: 1 }, freshness: 'loaded' });
    await sleep(freshMs + 20);
    provider.failing = true;

    const served: CacheResult<Rate> = await b.cache.get(KEY, provider.load);
    expect(served).toMatchObject({ value: { pair: KEY, rate: 1 }, freshness: 'stale' });
    expect(served.ageMs).toBeGreaterThanOrEqual(freshMs);
    expect(served.error).toBeInstanceOf(ProviderDown);
    expect(provider.calls).toBe(2); // B tried the refresh, once
    expect(b.lookups).toEqual([expect.objectContaining({ freshness: 'stale' })]);
  });

  it('given a stale entry and a slow provider, when five instances read it at once, then one of them refreshes it, the other four serve stale at once, and later reads are fresh', async () => {
    const freshMs = 150;
    fleet = new CacheFleet();
    const instances = await fleet.start(5, { freshMs, staleMs: 5_000 });
    const provider = new RateProvider();
    await instances[0].cache.get(KEY, provider.load);
    await sleep(freshMs + 20);

    provider.delayMs = 300;
    const startedAt = performance.now();
    const settledAt: number[] = [];
    const reads = instances.map((i, n) =>
      i.cache.get(KEY, provider.load).then((result) => {
        settledAt[n] = performance.now() - startedAt;
        return result;
      }),
    );
    const results = await Promise.all(reads);

    expect(provider.calls).toBe(2); // the first load, and exactly one refresh
    const refreshed = results.filter((r) => r.freshness === 'loaded');
    const stale = results.filter((r) => r.freshness === 'stale');
    expect(refreshed).toEqual([expect.objectContaining({ value: { pair: KEY, rate: 2 } })]);
    expect(stale).toHaveLength(4);
    for (const r of stale) {
      expect(r).toMatchObject({ value: { rate: 1 } });
      expect(r.error).toBeUndefined(); // not a failure: someone else is refreshing
    }
    // The four that did not refresh did not wait for the provider.
    const staleTimes = results.flatMap((r, n) => (r.freshness === 'stale' ? [settledAt[n]] : []));
    expect(Math.max(...staleTimes)).toBeLessThan(FAST_MS);

    const later = await Promise.all(instances.map((i) => i.cache.get(KEY, provider.load)));
    expect(later.map((r) => r.freshness)).toEqual(['fresh', 'fresh', 'fresh', 'fresh', 'fresh']);
    expect(later.map((r) => r.value.rate)).toEqual([2, 2, 2, 2, 2]);
    expect(provider.calls).toBe(2);
  });

  it('given an entry written by one instance, then every other instance judges its age by Redis time and serves it fresh within freshMs', async () => {
    const freshMs = 1_000;
    fleet = new CacheFleet();
    const [writer, ...readers] = await fleet.start(3, { freshMs, staleMs: 1_000 });
    const provider = new RateProvider();
    await writer.cache.get(KEY, provider.load);

    // The entry's timestamp is Redis's clock, as is the age every reader is told.
    const stored = await fleet.entryInRedis();
    expect(stored).toBeDefined();
    expect(stored?.now ?? 0).toBeGreaterThanOrEqual(stored?.at ?? Infinity);
    expect((stored?.now ?? 0) - (stored?.at ?? 0)).toBeLessThan(FAST_MS);
    expect(stored?.ttlMs).toBeGreaterThan(freshMs);
    expect(stored?.ttlMs).toBeLessThanOrEqual(freshMs + 1_000);

    await sleep(100);
    for (const reader of readers) {
      const result = await reader.cache.get(KEY, provider.load);
      const redisAge = ((await fleet.entryInRedis())?.now ?? 0) - (stored?.at ?? 0);
      expect(result).toMatchObject({ value: { rate: 1 }, freshness: 'fresh' });
      expect(result.ageMs).toBeGreaterThanOrEqual(100);
      expect(result.ageMs).toBeLessThanOrEqual(redisAge);
    }
    expect(provider.calls).toBe(1);
  });

  it('given an entry past freshMs + staleMs, then it is gone: the next read is a miss that calls the provider', async () => {
    const freshMs = 100;
    const staleMs = 200;
    fleet = new CacheFleet();
    const [a, b] = await fleet.start(2, { freshMs, staleMs });
    const provider = new RateProvider();
    await a.cache.get(KEY, provider.load);

    await waitFor(async () => (await fleet.entryInRedis()) === undefined, { timeoutMs: freshMs + staleMs + 500, description: 'Redis to expire the entry' });
    const result = await b.cache.get(KEY, provider.load);
    expect(result).toMatchObject({ value: { rate: 2 }, freshness: 'loaded' });
    expect(b.lookups).toEqual([expect.objectContaining({ freshness: 'miss' })]);
    expect(provider.calls).toBe(2);
  });

  it('given Redis is down, then every read is a miss that calls the provider, and the cache itself never fails a read', async () => {
    server = await startRedisServer();
    fleet = new CacheFleet(server.url);
    const [a, b] = await fleet.start(2, { freshMs: 5_000, staleMs: 5_000 });
    const provider = new RateProvider();
    await a.cache.get(KEY, provider.load); // cached while Redis was up

    await server.kill();
    const results: CacheResult<Rate>[] = [];
    const durations: number[] = [];
    for (const instance of [a, b, a, b]) {
      const startedAt = performance.now();
      results.push(await instance.cache.get(KEY, provider.load));
      durations.push(performance.now() - startedAt);
    }
    expect(results.map((r) => r.freshness)).toEqual(['loaded', 'loaded', 'loaded', 'loaded']);
    expect(results.map((r) => r.value.rate)).toEqual([2, 3, 4, 5]);
    expect(provider.calls).toBe(5);
    expect(Math.max(...durations)).toBeLessThan(FAST_MS);
    expect([...a.lookups, ...b.lookups].map((l) => l.freshness)).toEqual(['miss', 'miss', 'miss', 'miss', 'miss']);

    // When the provider fails too, the caller gets the provider's error, not the cache's.
    provider.failing = true;
    await expect(b.cache.get(KEY, provider.load)).rejects.toBeInstanceOf(ProviderDown);
  });
});
