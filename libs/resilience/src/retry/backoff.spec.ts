import { backoffDelayMs, type BackoffSettings } from './backoff';

/** A small seeded generator (mulberry32), uniform in [0, 1): random but the same every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const ALMOST_ONE = 1 - Number.EPSILON;

describe('backoffDelayMs', () => {
  describe('full jitter', () => {
    const full: BackoffSettings = { baseMs: 100, capMs: 1_000, jitter: 'full' };

    it('draws from [0, base x 2^(retry-1)): the range doubles with each retry', () => {
      expect([1, 2, 3, 4].map((retry) => backoffDelayMs(full, retry, 0, 0.5))).toEqual([50, 100, 200, 400]);
      expect([1, 2, 3, 4].map((retry) => backoffDelayMs(full, retry, 0, 0))).toEqual([0, 0, 0, 0]);
    });

    it('caps the range at capMs however many retries there have been', () => {
      expect(backoffDelayMs(full, 5, 0, 0.5)).toBe(500); // 1600 capped to 1000
      expect(backoffDelayMs(full, 30, 0, 0.5)).toBe(500);
      expect(backoffDelayMs(full, 30, 0, ALMOST_ONE)).toBeLessThan(1_000);
    });

    it('ignores the previous delay', () => {
      expect(backoffDelayMs(full, 2, 999, 0.25)).toBe(backoffDelayMs(full, 2, 1, 0.25));
    });

    it('always lies in [0, min(cap, base x 2^(retry-1))) for any sample', () => {
      const random = seeded(42);
      for (let retry = 1; retry <= 8; retry++) {
        const upper = Math.min(1_000, 100 * 2 ** (retry - 1));
        for (let i = 0; i < 200; i++) {
          const delay = backoffDelayMs(full, retry, 0, random());
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(upper);
        }
      }
    });
  });

  describe('decorrelated jitter', () => {
    const decorrelated: BackoffSettings = { baseMs: 100, capMs: 2_000, jitter: 'decorrelated' };

    it('draws from [base, previous x 3): the lowest sample gives base, the highest nearly three times the last delay', () => {
      expect(backoffDelayMs(decorrelated, 1, 100, 0)).toBe(100);
      expect(backoffDelayMs(decorrelated, 1, 100, 0.5)).toBe(200); // 100 + 0.5 x (300 - 100)
      expect(backoffDelayMs(decorrelated, 2, 400, 0.5)).toBe(650); // 100 + 0.5 x (1200 - 100)
    });

    it('is capped at capMs', () => {
      expect(backoffDelayMs(decorrelated, 3, 1_500, 0.9)).toBe(2_000);
    });

    it('never draws below base, even after a previous delay shorter than base / 3', () => {
      expect(backoffDelayMs(decorrelated, 2, 10, 0.7)).toBe(100);
    });

    it('a chain of delays, each from the last, always lies within [base, min(cap, previous x 3)]', () => {
      const random = seeded(7);
      for (let chain = 0; chain < 50; chain++) {
        let previous = decorrelated.baseMs;
        for (let retry = 1; retry <= 10; retry++) {
          const delay = backoffDelayMs(decorrelated, retry, previous, random());
          expect(delay).toBeGreaterThanOrEqual(100);
          expect(delay).toBeLessThanOrEqual(Math.min(2_000, previous * 3));
          previous = delay;
        }
      }
    });
  });
});
