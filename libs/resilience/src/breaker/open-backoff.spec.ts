import { openIntervalMs } from './open-backoff';

const NO_JITTER = { openBaseMs: 1_000, openMultiplier: 2, openMaxMs: 8_000, openJitter: 0 };
const WITH_JITTER = { ...NO_JITTER, openJitter: 0.2 };

describe('openIntervalMs', () => {
  describe('without jitter', () => {
    it('starts at the base interval on the first trip since the last close', () => {
      expect(openIntervalMs(NO_JITTER, 0, 0.7)).toBe(1_000);
    });

    it('multiplies the interval on each further trip in a row', () => {
      expect([0, 1, 2, 3].map((step) => openIntervalMs(NO_JITTER, step, 0))).toEqual([1_000, 2_000, 4_000, 8_000]);
    });

    it('never exceeds the cap, however many trips in a row', () => {
      expect([3, 4, 10, 100, 2_000].map((step) => openIntervalMs(NO_JITTER, step, 0))).toEqual([8_000, 8_000, 8_000, 8_000, 8_000]);
    });

    it('stops at the cap rather than on a power of the multiplier', () => {
      expect(openIntervalMs({ ...NO_JITTER, openMultiplier: 3, openMaxMs: 5_000 }, 1, 0)).toBe(3_000);
      expect(openIntervalMs({ ...NO_JITTER, openMultiplier: 3, openMaxMs: 5_000 }, 2, 0)).toBe(5_000);
    });

    it('stays flat with a multiplier of 1', () => {
      expect([0, 1, 5].map((step) => openIntervalMs({ ...NO_JITTER, openMultiplier: 1 }, step, 0))).toEqual([1_000, 1_000, 1_000]);
    });
  });

  describe('with jitter', () => {
    it('removes the sampled share of the jitter from the interval', () => {
      expect(openIntervalMs(WITH_JITTER, 0, 0)).toBe(1_000);
      expect(openIntervalMs(WITH_JITTER, 0, 0.5)).toBe(900);
      expect(openIntervalMs(WITH_JITTER, 1, 0.5)).toBe(1_800);
    });

    it('only ever shortens the interval, so the cap stays a real upper bound', () => {
      for (const sample of [0, 0.1, 0.25, 0.5, 0.75, 0.999_999]) {
        for (const step of [0, 1, 2, 3, 9]) {
          const interval = openIntervalMs(WITH_JITTER, step, sample);
          const unjittered = openIntervalMs(NO_JITTER, step, sample);
          expect(interval).toBeLessThanOrEqual(unjittered);
          expect(interval).toBeGreaterThanOrEqual(unjittered * 0.8);
          expect(interval).toBeLessThanOrEqual(8_000);
        }
      }
    });

    it('shortens the capped interval too', () => {
      expect(openIntervalMs(WITH_JITTER, 10, 0.5)).toBe(7_200);
    });

    it('rounds to whole milliseconds', () => {
      expect(openIntervalMs({ ...WITH_JITTER, openBaseMs: 333 }, 0, 0.5)).toBe(300); // 299.7
      expect(openIntervalMs(WITH_JITTER, 0, 1 / 3)).toBe(933); // 933.33
    });

    it('never goes below 1 ms, even with full jitter on a tiny interval', () => {
      const tiny = { openBaseMs: 1, openMultiplier: 2, openMaxMs: 1, openJitter: 1 };

      expect(openIntervalMs(tiny, 0, 0.9)).toBe(1);
      expect(openIntervalMs(tiny, 0, 0.999_999)).toBe(1);
      expect(openIntervalMs({ ...tiny, openBaseMs: 0.2, openMaxMs: 0.2, openJitter: 0 }, 0, 0)).toBe(1);
    });
  });
});
