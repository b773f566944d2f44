import type { Clock } from '../clock';
import { BreakerOpenError } from '../errors/breaker-open.error';
import { InvalidConfigError } from '../errors/config.error';
import { TimeoutError } from '../errors/timeout.error';
import type { CacheStore, StoredEntry } from './cache-store';
import { MemoryCacheStore } from './memory-cache-store';
import { ReadThroughCache, type CacheLookup, type CacheOptions, type CacheResult } from './read-through-cache';

interface Rate {
  pair: string;
  rate: number;
}

function manualClock(): Clock & { tick(ms: number): void } {
  let now = 0;
  return { now: () => now, tick: (ms) => (now += ms) };
}

// A rate is fresh for one second, then may be served stale for five more.
const RATES: CacheOptions<Rate> = { freshMs: 1_000, staleMs: 5_000 };

/** The FX provider: answers with `rate` (changeable), or fails while `outage` is set; counts its calls. */
function fxProvider(): { load: () => Promise<Rate>; calls: () => number; rate: number; outage: unknown } {
  let calls = 0;
  const provider = {
    rate: 0.85,
    outage: undefined as unknown,
    calls: () => calls,
    load: async (): Promise<Rate> => {
      calls++;
      if (provider.outage !== undefined) throw provider.outage;
      return { pair: 'EUR-GBP', rate: provider.rate };
    },
  };
  return provider;
}

/** A load the test finishes by hand: for "while one instance is refreshing". `started` settles once it is called. */
function heldLoad(): { load: () => Promise<Rate>; calls: () => number; started: Promise<void>; finish: (rate: Rate) => void } {
  let calls = 0;
  let finish: (rate: Rate) => void = () => undefined;
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  return {
    calls: () => calls,
    started,
    load: () => {
      calls++;
      markStarted();
      return new Promise<Rate>((resolve) => (finish = resolve));
    },
    finish: (rate) => finish(rate),
  };
}

function ratesCache(store: CacheStore, options: Partial<CacheOptions<Rate>> = {}): { cache: ReadThroughCache<Rate>; lookups: CacheLookup[] } {
  const cache = new ReadThroughCache<Rate>('fx-rates', store, { ...RATES, ...options });
  const lookups: CacheLookup[] = [];
  cache.onLookup((l) => lookups.push(l));
  return { cache, lookups };
}

const KEY = 'EUR-GBP';

describe('ReadThroughCache', () => {
  it('on a miss, loads from the downstream, stores the value and answers with it as loaded', async () => {
    const clock = manualClock();
    const store = new MemoryCacheStore(clock);
    const provider = fxProvider();
    const { cache, lookups } = ratesCache(store);

    const result = await cache.get(KEY, provider.load);

    expect(result).toEqual({ value: { pair: 'EUR-GBP', rate: 0.85 }, freshness: 'loaded', ageMs: 0 });
    expect(provider.calls()).toBe(1);
    expect(await store.read(KEY)).toEqual({ value: JSON.stringify({ pair: 'EUR-GBP', rate: 0.85 }), ageMs: 0 });
    expect(lookups).toEqual([{ cache: 'fx-rates', key: KEY, freshness: 'miss', ageMs: undefined }]);
  });

  it('on a miss with the downstream failing, fails with its error and stores nothing', async () => {
    const store = new MemoryCacheStore(manualClock());
    const provider = fxProvider();
    provider.outage = new Error('FX provider down');
    const { cache } = ratesCache(store);

    await expect(cache.get(KEY, provider.load)).rejects.toBe(provider.outage);
    expect(await store.read(KEY)).toBeUndefined();
  });

  it('serves a fresh value without calling the downstream', async () => {
    const clock = manualClock();
    const provider = fxProvider();
    const { cache, lookups } = ratesCache(new MemoryCacheStore(clock));
    await cache.get(KEY, provider.load);
    provider.rate = 0.9;

    clock.tick(999);
    const result = await cache.get(KEY, provider.load);

    expect(result).toEqual({ value: { pair: 'EUR-GBP', rate: 0.85 }, freshness: 'fresh', ageMs: 999 });
    expect(provider.calls()).toBe(1);
    expect(lookups[1]).toEqual({ cache: 'fx-rates', key: KEY, freshness: 'fresh', ageMs: 999 });
  });

  it('refreshes a stale value when the downstream answers: loaded, stored, and fresh again afterwards', async () => {
    const clock = manualClock();
    const provider = fxProvider();
    const { cache, lookups } = ratesCache(new MemoryCacheStore(clock));
    await cache.get(KEY, provider.load);
    provider.rate = 0.9;

    clock.tick(1_000); // fresh no more
    const refreshed = await cache.get(KEY, provider.load);
    clock.tick(500);
    const after = await cache.get(KEY, provider.load);

    expect(refreshed).toEqual({ value: { pair: 'EUR-GBP', rate: 0.9 }, freshness: 'loaded', ageMs: 0 });
    expect(after).toEqual({ value: { pair: 'EUR-GBP', rate: 0.9 }, freshness: 'fresh', ageMs: 500 });
    expect(provider.calls()).toBe(2);
    expect(lookups.map((l) => l.freshness)).toEqual(['miss', 'loaded', 'fresh']);
  });

  it('serves the stale value, flagged stale with the error, when the refresh fails (stale-if-error)', async () => {
    const clock = manualClock();
    const provider = fxProvider();
    const { cache, lookups } = ratesCache(new MemoryCacheStore(clock));
    await cache.get(KEY, provider.load);

    clock.tick(3_000);
    provider.outage = new BreakerOpenError('fx-provider', 'OPEN', 4_000);
    const result: CacheResult<Rate> = await cache.get(KEY, provider.load);

    expect(result).toEqual({ value: { pair: 'EUR-GBP', rate: 0.85 }, freshness: 'stale', ageMs: 3_000, error: provider.outage });
    expect(provider.calls()).toBe(2);
    expect(lookups[1]).toEqual({ cache: 'fx-rates', key: KEY, freshness: 'stale', ageMs: 3_000 });

    // The failed refresh gave its claim back: the next read tries again, and succeeds once the provider is back.
    provider.outage = undefined;
    provider.rate = 0.87;
    await expect(cache.get(KEY, provider.load)).resolves.toMatchObject({ value: { rate: 0.87 }, freshness: 'loaded' });
    expect(provider.calls()).toBe(3);
  });

  it('lets one instance refresh a stale key: another instance meanwhile serves the stale value without calling the downstream', async () => {
    const clock = manualClock();
    const store = new MemoryCacheStore(clock); // shared, as Redis is by the fleet
    const seed = fxProvider();
    const instanceA = ratesCache(store);
    const instanceB = ratesCache(store);
    await instanceA.cache.get(KEY, seed.load);
    clock.tick(2_000);

    const slowProvider = heldLoad();
    const refreshing = instanceA.cache.get(KEY, slowProvider.load);
    await slowProvider.started; // A has read the entry and claimed the refresh; its load is under way
    expect(slowProvider.calls()).toBe(1);

    const otherProvider = fxProvider();
    const servedByB = await instanceB.cache.get(KEY, otherProvider.load);

    expect(servedByB).toEqual({ value: { pair: 'EUR-GBP', rate: 0.85 }, freshness: 'stale', ageMs: 2_000 });
    expect(servedByB.error).toBeUndefined();
    expect(otherProvider.calls()).toBe(0);
    expect(instanceB.lookups).toEqual([{ cache: 'fx-rates', key: KEY, freshness: 'stale', ageMs: 2_000 }]);

    slowProvider.finish({ pair: 'EUR-GBP', rate: 0.88 });
    await expect(refreshing).resolves.toMatchObject({ value: { rate: 0.88 }, freshness: 'loaded' });
    await expect(instanceB.cache.get(KEY, otherProvider.load)).resolves.toMatchObject({ value: { rate: 0.88 }, freshness: 'fresh' });
    expect(otherProvider.calls()).toBe(0);
  });

  it('refreshes a stale key once per process too: concurrent reads on one instance serve stale while its refresh runs', async () => {
    const clock = manualClock();
    const store = new MemoryCacheStore(clock);
    const instance = ratesCache(store);
    await instance.cache.get(KEY, fxProvider().load);
    clock.tick(2_000);

    const slowProvider = heldLoad();
    const refreshing = instance.cache.get(KEY, slowProvider.load);
    await slowProvider.started;
    const meanwhile = await instance.cache.get(KEY, slowProvider.load);

    expect(slowProvider.calls()).toBe(1);
    expect(meanwhile).toMatchObject({ value: { rate: 0.85 }, freshness: 'stale', ageMs: 2_000 });
    slowProvider.finish({ pair: 'EUR-GBP', rate: 0.9 });
    await expect(refreshing).resolves.toMatchObject({ value: { rate: 0.9 }, freshness: 'loaded' });
  });

  it('shares one downstream call between concurrent misses of one key in a process', async () => {
    const instance = ratesCache(new MemoryCacheStore(manualClock()));
    const slowProvider = heldLoad();
    const first = instance.cache.get(KEY, slowProvider.load);
    await slowProvider.started;
    const second = instance.cache.get(KEY, slowProvider.load);
    await Promise.resolve();
    slowProvider.finish({ pair: 'EUR-GBP', rate: 0.91 });

    await expect(Promise.all([first, second])).resolves.toEqual([
      { value: { pair: 'EUR-GBP', rate: 0.91 }, freshness: 'loaded', ageMs: 0 },
      { value: { pair: 'EUR-GBP', rate: 0.91 }, freshness: 'loaded', ageMs: 0 },
    ]);
    expect(slowProvider.calls()).toBe(1);
  });

  it('lets another instance take over the refresh once the first one’s claim has lapsed', async () => {
    const clock = manualClock();
    const store = new MemoryCacheStore(clock);
    const instanceA = ratesCache(store, { refreshClaimMs: 500 });
    const instanceB = ratesCache(store, { refreshClaimMs: 500 });
    await instanceA.cache.get(KEY, fxProvider().load);
    clock.tick(1_500);
    const hung = heldLoad();
    void instanceA.cache.get(KEY, hung.load); // claims, then hangs
    await hung.started;
    const provider = fxProvider();
    provider.rate = 0.91;

    clock.tick(499);
    await expect(instanceB.cache.get(KEY, provider.load)).resolves.toMatchObject({ value: { rate: 0.85 }, freshness: 'stale' });
    expect(provider.calls()).toBe(0);

    clock.tick(1);

    await expect(instanceB.cache.get(KEY, provider.load)).resolves.toMatchObject({ value: { rate: 0.91 }, freshness: 'loaded' });
    expect(provider.calls()).toBe(1);
  });

  it('treats a value older than freshMs + staleMs as a miss: loads, and fails if the downstream fails', async () => {
    const clock = manualClock();
    const provider = fxProvider();
    const { cache, lookups } = ratesCache(new MemoryCacheStore(clock));
    await cache.get(KEY, provider.load);

    clock.tick(5_999);
    await expect(cache.get(KEY, () => Promise.reject(new Error('down')))).resolves.toMatchObject({ freshness: 'stale', ageMs: 5_999 });

    clock.tick(1); // 6000 = freshMs + staleMs
    const outage = new Error('FX provider down');
    await expect(cache.get(KEY, () => Promise.reject(outage))).rejects.toBe(outage);
    provider.rate = 0.8;
    await expect(cache.get(KEY, provider.load)).resolves.toEqual({ value: { pair: 'EUR-GBP', rate: 0.8 }, freshness: 'loaded', ageMs: 0 });
    expect(lookups.map((l) => l.freshness)).toEqual(['miss', 'stale', 'miss', 'miss']);
  });

  it('treats a store that cannot be read as a miss, and answers even when it cannot be written either', async () => {
    const unreachable: CacheStore = {
      read: (): Promise<StoredEntry | undefined> => Promise.reject(new Error('ECONNREFUSED')),
      write: (): Promise<void> => Promise.reject(new Error('ECONNREFUSED')),
      claimRefresh: (): Promise<boolean> => Promise.reject(new Error('ECONNREFUSED')),
      releaseRefresh: (): Promise<void> => Promise.reject(new Error('ECONNREFUSED')),
    };
    const provider = fxProvider();
    const { cache, lookups } = ratesCache(unreachable);

    await expect(cache.get(KEY, provider.load)).resolves.toEqual({ value: { pair: 'EUR-GBP', rate: 0.85 }, freshness: 'loaded', ageMs: 0 });
    await expect(cache.get(KEY, provider.load)).resolves.toMatchObject({ freshness: 'loaded' });
    expect(provider.calls()).toBe(2);
    expect(lookups.map((l) => l.freshness)).toEqual(['miss', 'miss']);
  });

  it('refreshes anyway when the claim cannot be taken because the store fails', async () => {
    const clock = manualClock();
    const memory = new MemoryCacheStore(clock);
    const flaky: CacheStore = {
      read: (key) => memory.read(key),
      write: (key, value, ttl) => memory.write(key, value, ttl),
      claimRefresh: () => Promise.reject(new Error('timeout')),
      releaseRefresh: () => Promise.reject(new Error('timeout')),
    };
    const provider = fxProvider();
    const { cache } = ratesCache(flaky);
    await cache.get(KEY, provider.load);
    clock.tick(2_000);
    provider.rate = 0.9;

    await expect(cache.get(KEY, provider.load)).resolves.toMatchObject({ value: { rate: 0.9 }, freshness: 'loaded' });
  });

  it('does not tie the shared load to one caller’s signal: when that caller gives up, the load goes on for the others', async () => {
    const caller = new AbortController();
    const loaderSignals: AbortSignal[] = [];
    const slowProvider = heldLoad();
    const { cache } = ratesCache(new MemoryCacheStore(manualClock()));

    const givingUp = cache.get(
      KEY,
      (signal) => {
        loaderSignals.push(signal);
        return slowProvider.load();
      },
      caller.signal,
    );
    await slowProvider.started;
    const patient = cache.get(KEY, slowProvider.load);
    const deadline = new TimeoutError('inventory', 100, 'deadline');
    caller.abort(deadline);

    await expect(givingUp).rejects.toBe(deadline);
    expect(loaderSignals).toHaveLength(1);
    expect(loaderSignals[0]).not.toBe(caller.signal);
    expect(loaderSignals[0].aborted).toBe(false);
    slowProvider.finish({ pair: 'EUR-GBP', rate: 0.92 });
    await expect(patient).resolves.toMatchObject({ value: { rate: 0.92 }, freshness: 'loaded' });
    expect(slowProvider.calls()).toBe(1);
  });

  it('given a caller whose deadline has already passed, when it misses the cache, then it is refused as not started and no load begins', async () => {
    const provider = fxProvider();
    provider.outage = new BreakerOpenError('inventory', 'OPEN', 5_000);
    const { cache } = ratesCache(new MemoryCacheStore(manualClock()));
    const caller = new AbortController();
    caller.abort(new TimeoutError('payment', 2_000, 'deadline'));

    const refusal = await cache.get(KEY, provider.load, caller.signal).catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(TimeoutError);
    expect(refusal).toMatchObject({ started: false });
    // A load started anyway would reject (the breaker is open) with no one listening: Node 20
    // ends the process on that. Give it the turns it would need to surface.
    await new Promise((resolve) => setImmediate(resolve));
    expect(provider.calls()).toBe(0);
  });

  it('uses the given serialize and deserialize', async () => {
    const clock = manualClock();
    const store = new MemoryCacheStore(clock);
    const cache = new ReadThroughCache<Rate>('fx-rates', store, {
      ...RATES,
      serialize: (r) => `${r.pair}=${r.rate}`,
      deserialize: (t) => ({ pair: t.split('=')[0], rate: Number(t.split('=')[1]) }),
    });

    await cache.get(KEY, fxProvider().load);

    expect(await store.read(KEY)).toEqual({ value: 'EUR-GBP=0.85', ageMs: 0 });
    await expect(cache.get(KEY, fxProvider().load)).resolves.toEqual({ value: { pair: 'EUR-GBP', rate: 0.85 }, freshness: 'fresh', ageMs: 0 });
  });

  it('refuses invalid options with InvalidConfigError naming each problem', () => {
    let error: unknown;
    try {
      new ReadThroughCache<Rate>('fx-rates', new MemoryCacheStore(), { freshMs: 0, staleMs: -1, refreshClaimMs: 0 });
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).subject).toBe('cache fx-rates');
    expect((error as InvalidConfigError).problems).toEqual([
      'freshMs must be greater than 0 (got 0)',
      'staleMs must be at least 0 (got -1)',
      'refreshClaimMs must be greater than 0 (got 0)',
    ]);
  });
});
