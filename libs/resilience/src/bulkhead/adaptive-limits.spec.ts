import { InvalidConfigError } from '../errors/config.error';
import { aimdLimit, AimdLimit, DEFAULT_AIMD_BACKOFF_RATIO, gradientLimit, GradientLimit, type AimdOptions, type GradientOptions } from './adaptive-limits';
import { BulkheadPolicy } from './bulkhead-policy';
import type { ConcurrencyLimit } from './concurrency-limit';
import { advance, clock } from '../../test-support/fake-time';

/**
 * Keeps the bulkhead full for `rounds` rounds: each round starts as many calls as the limit
 * allows, every one answering after `latencyMs`, and waits for them all. Returns the limit seen
 * after each round, and checks on the way that the bulkhead never ran more than its limit.
 */
async function trafficAt(bh: BulkheadPolicy, latencyMs: number, rounds: number): Promise<number[]> {
  const limits: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const limit = bh.currentLimit;
    const calls = Array.from({ length: limit }, () => bh.execute(() => new Promise<string>((resolve) => setTimeout(() => resolve('ok'), latencyMs))));
    expect(bh.inFlight).toBe(limit);
    await advance(latencyMs);
    await Promise.all(calls);
    limits.push(bh.currentLimit);
  }
  return limits;
}

const never = (values: number[], test: (v: number) => boolean): boolean => !values.some(test);
const nonDecreasing = (values: number[]): boolean => values.every((v, i) => i === 0 || v >= values[i - 1]);
const nonIncreasing = (values: number[]): boolean => values.every((v, i) => i === 0 || v <= values[i - 1]);

function invalid(make: () => ConcurrencyLimit): InvalidConfigError {
  try {
    make();
  } catch (error) {
    if (error instanceof InvalidConfigError) return error;
    throw error;
  }
  throw new Error('expected InvalidConfigError');
}

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('AimdLimit', () => {
  const search: AimdOptions = { initial: 10, floor: 2, ceiling: 20, latencyThresholdMs: 100 };

  it('starts at initial', () => {
    expect(new AimdLimit(search).current).toBe(10);
  });

  it('shrinks by backoffRatio on each failed or slow call, down to the floor and no further', () => {
    const limit = new AimdLimit({ ...search, backoffRatio: 0.5 });

    limit.onSample({ latencyMs: 20, failed: true, inFlight: 10 });
    expect(limit.current).toBe(5);
    limit.onSample({ latencyMs: 101, failed: false, inFlight: 5 });
    expect(limit.current).toBe(2); // 2.5 floored
    limit.onSample({ latencyMs: 500, failed: false, inFlight: 2 });
    expect(limit.current).toBe(2);
  });

  it('backs off by 0.9 by default', () => {
    const limit = new AimdLimit({ ...search, initial: 20 });
    limit.onSample({ latencyMs: 500, failed: false, inFlight: 20 });
    expect(DEFAULT_AIMD_BACKOFF_RATIO).toBe(0.9);
    expect(limit.current).toBe(18);
  });

  it('grows by 1/limit per good call while the bulkhead is at least half busy, and not while it idles', () => {
    const limit = new AimdLimit({ ...search, initial: 4 });

    for (let i = 0; i < 10; i++) limit.onSample({ latencyMs: 10, failed: false, inFlight: 1 }); // 1 of 4: idle
    expect(limit.current).toBe(4);

    for (let i = 0; i < 4; i++) limit.onSample({ latencyMs: 10, failed: false, inFlight: 4 });
    expect(limit.current).toBe(4); // 4 + 1/4 + ... < 5
    for (let i = 0; i < 2; i++) limit.onSample({ latencyMs: 10, failed: false, inFlight: 4 });
    expect(limit.current).toBe(5);
  });

  it('never rises above the ceiling', () => {
    const limit = aimdLimit({ ...search, initial: 20 });
    for (let i = 0; i < 1_000; i++) limit.onSample({ latencyMs: 10, failed: false, inFlight: 20 });
    expect(limit.current).toBe(20);
  });

  it('behind a bulkhead: falls toward the floor when the downstream slows, and climbs back to the ceiling when it recovers', async () => {
    const bh = new BulkheadPolicy('search', { limit: new AimdLimit(search), clock });

    const healthy = await trafficAt(bh, 20, 5);
    expect(healthy[healthy.length - 1]).toBeGreaterThan(10);

    const slow = await trafficAt(bh, 300, 10);
    expect(nonIncreasing(slow)).toBe(true);
    expect(slow[slow.length - 1]).toBe(2);

    const recovered = await trafficAt(bh, 20, 80);
    expect(nonDecreasing(recovered)).toBe(true);
    expect(recovered[recovered.length - 1]).toBe(20);

    const all = [...healthy, ...slow, ...recovered];
    expect(never(all, (v) => v < 2 || v > 20)).toBe(true);
  });

  describe('refuses invalid options with InvalidConfigError', () => {
    it.each<[string, Partial<AimdOptions>, string]>([
      ['latencyThresholdMs 0', { latencyThresholdMs: 0 }, 'latencyThresholdMs must be greater than 0 (got 0)'],
      ['backoffRatio 1', { backoffRatio: 1 }, 'backoffRatio must lie between 0 and 1 (got 1)'],
      ['backoffRatio 0', { backoffRatio: 0 }, 'backoffRatio must lie between 0 and 1 (got 0)'],
      ['floor 0', { floor: 0, initial: 1 }, 'floor must be a whole number of at least 1 (got 0)'],
      ['ceiling below floor', { floor: 5, ceiling: 4, initial: 5 }, 'ceiling must be a whole number of at least floor (got 4)'],
      ['initial above ceiling', { initial: 21 }, 'initial must lie between floor and ceiling (got 21)'],
      ['initial below floor', { initial: 1 }, 'initial must lie between floor and ceiling (got 1)'],
    ])('%s', (_name, override, problem) => {
      const error = invalid(() => new AimdLimit({ ...search, ...override }));
      expect(error.subject).toBe('AIMD limit');
      expect(error.problems).toContain(problem);
    });
  });
});

describe('GradientLimit', () => {
  const search: GradientOptions = { initial: 10, floor: 2, ceiling: 40 };

  it('grows by a smoothed square root of the limit while latency stays at its baseline', () => {
    const limit = new GradientLimit(search);

    limit.onSample({ latencyMs: 10, failed: false, inFlight: 10 });

    // 10 + (10 + sqrt(10) - 10) x 0.2
    expect(limit.current).toBe(10);
    for (let i = 0; i < 3; i++) limit.onSample({ latencyMs: 10, failed: false, inFlight: 10 });
    expect(limit.current).toBe(12);
  });

  it('shrinks when latency rises well above the baseline, and counts a failure as twice its latency', () => {
    const slow = new GradientLimit(search);
    const failing = new GradientLimit(search);
    slow.onSample({ latencyMs: 10, failed: false, inFlight: 10 });
    failing.onSample({ latencyMs: 10, failed: false, inFlight: 10 });

    for (let i = 0; i < 10; i++) slow.onSample({ latencyMs: 40, failed: false, inFlight: 10 });
    for (let i = 0; i < 10; i++) failing.onSample({ latencyMs: 20, failed: true, inFlight: 10 });

    expect(slow.current).toBeLessThan(10);
    expect(failing.current).toBe(slow.current);
  });

  it('tolerates latency up to tolerance x baseline without shrinking', () => {
    const limit = new GradientLimit({ ...search, tolerance: 2 });
    limit.onSample({ latencyMs: 10, failed: false, inFlight: 10 });
    const before = limit.current;

    for (let i = 0; i < 20; i++) limit.onSample({ latencyMs: 19, failed: false, inFlight: 10 });

    expect(limit.current).toBeGreaterThan(before);
  });

  it('behind a bulkhead: falls when the downstream slows well past its baseline, and climbs back when latency returns', async () => {
    const bh = new BulkheadPolicy('search', { limit: gradientLimit(search), clock });

    const healthy = await trafficAt(bh, 10, 5);
    const peak = healthy[healthy.length - 1];
    expect(peak).toBeGreaterThan(10);

    const slow = await trafficAt(bh, 100, 10);
    expect(nonIncreasing(slow)).toBe(true);
    expect(slow[slow.length - 1]).toBe(2);

    const recovered = await trafficAt(bh, 10, 20);
    expect(nonDecreasing(recovered)).toBe(true);
    expect(recovered[recovered.length - 1]).toBeGreaterThanOrEqual(peak);

    const all = [...healthy, ...slow, ...recovered];
    expect(never(all, (v) => v < 2 || v > 40)).toBe(true);
  });

  it('never rises above the ceiling however healthy the downstream', () => {
    const limit = new GradientLimit(search);
    for (let i = 0; i < 1_000; i++) limit.onSample({ latencyMs: 10, failed: false, inFlight: 40 });
    expect(limit.current).toBe(40);
  });

  describe('refuses invalid options with InvalidConfigError', () => {
    it.each<[string, Partial<GradientOptions>, string]>([
      ['tolerance below 1', { tolerance: 0.9 }, 'tolerance must be at least 1 (got 0.9)'],
      ['smoothing 0', { smoothing: 0 }, 'smoothing must lie in (0, 1] (got 0)'],
      ['smoothing above 1', { smoothing: 1.5 }, 'smoothing must lie in (0, 1] (got 1.5)'],
      ['baselineSmoothing above smoothing', { smoothing: 0.1, baselineSmoothing: 0.2 }, 'baselineSmoothing must lie in (0, smoothing] (got 0.2)'],
      ['ceiling not whole', { ceiling: 10.5 }, 'ceiling must be a whole number of at least floor (got 10.5)'],
    ])('%s', (_name, override, problem) => {
      const error = invalid(() => new GradientLimit({ ...search, ...override }));
      expect(error.subject).toBe('gradient limit');
      expect(error.problems).toContain(problem);
    });
  });
});
