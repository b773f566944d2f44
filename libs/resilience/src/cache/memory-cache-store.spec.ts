import type { Clock } from '../clock';
import { MemoryCacheStore } from './memory-cache-store';

function manualClock(): Clock & { tick(ms: number): void } {
  let now = 1_000;
  return { now: () => now, tick: (ms) => (now += ms) };
}

describe('MemoryCacheStore', () => {
  it('reads back what was written, with its age by the store’s clock', async () => {
    const clock = manualClock();
    const store = new MemoryCacheStore(clock);

    await store.write('rate:EUR-GBP', '0.85', 10_000);
    expect(await store.read('rate:EUR-GBP')).toEqual({ value: '0.85', ageMs: 0 });

    clock.tick(2_500);
    expect(await store.read('rate:EUR-GBP')).toEqual({ value: '0.85', ageMs: 2_500 });
    expect(await store.read('rate:EUR-USD')).toBeUndefined();
  });

  it('forgets an entry once its ttl has passed, and a rewrite makes it new again', async () => {
    const clock = manualClock();
    const store = new MemoryCacheStore(clock);
    await store.write('rate:EUR-GBP', '0.85', 10_000);

    clock.tick(9_999);
    expect(await store.read('rate:EUR-GBP')).toEqual({ value: '0.85', ageMs: 9_999 });
    clock.tick(1);
    expect(await store.read('rate:EUR-GBP')).toBeUndefined();

    await store.write('rate:EUR-GBP', '0.86', 10_000);
    expect(await store.read('rate:EUR-GBP')).toEqual({ value: '0.86', ageMs: 0 });
  });

  it('grants the refresh of a key to one holder at a time; the holder may claim again', async () => {
    const store = new MemoryCacheStore(manualClock());

    await expect(store.claimRefresh('rate:EUR-GBP', 'instance-a', 5_000)).resolves.toBe(true);
    await expect(store.claimRefresh('rate:EUR-GBP', 'instance-b', 5_000)).resolves.toBe(false);
    await expect(store.claimRefresh('rate:EUR-GBP', 'instance-a', 5_000)).resolves.toBe(true);
    await expect(store.claimRefresh('rate:EUR-USD', 'instance-b', 5_000)).resolves.toBe(true);
  });

  it('frees the claim when its holder releases it, but not when another tries to', async () => {
    const store = new MemoryCacheStore(manualClock());
    await store.claimRefresh('rate:EUR-GBP', 'instance-a', 5_000);

    await store.releaseRefresh('rate:EUR-GBP', 'instance-b');
    await expect(store.claimRefresh('rate:EUR-GBP', 'instance-b', 5_000)).resolves.toBe(false);

    await store.releaseRefresh('rate:EUR-GBP', 'instance-a');
    await expect(store.claimRefresh('rate:EUR-GBP', 'instance-b', 5_000)).resolves.toBe(true);
  });

  it('lets a claim lapse after its ttl, so a holder that died does not block the key for ever', async () => {
    const clock = manualClock();
    const store = new MemoryCacheStore(clock);
    await store.claimRefresh('rate:EUR-GBP', 'instance-a', 5_000);

    clock.tick(4_999);
    await expect(store.claimRefresh('rate:EUR-GBP', 'instance-b', 5_000)).resolves.toBe(false);
    clock.tick(1);
    await expect(store.claimRefresh('rate:EUR-GBP', 'instance-b', 5_000)).resolves.toBe(true);
  });
});
