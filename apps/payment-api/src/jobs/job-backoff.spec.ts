import { jitteredExponential } from './job-backoff';
import { worstRecoveryMs, workerTiming } from './worker-timing';

describe('jitteredExponential', () => {
  const at = (sample: number) => jitteredExponential(500, 10_000, () => sample);

  test('doubles from the base, drawn between half and all of it', () => {
    expect([1, 2, 3, 4].map((n) => at(0)(n))).toEqual([250, 500, 1_000, 2_000]);
    expect([1, 2, 3, 4].map((n) => at(0.999_999)(n))).toEqual([500, 1_000, 2_000, 4_000]);
  });

  test('never waits longer than the cap, however many attempts', () => {
    expect(at(0.999_999)(30)).toBe(10_000);
    expect(at(0)(30)).toBe(5_000);
  });
});

describe('workerTiming', () => {
  test('checks for stalled jobs every half lock, so a dead worker\'s job runs again within 1.5 locks', () => {
    expect(workerTiming(5_000)).toEqual({ lockDuration: 5_000, stalledInterval: 2_500, maxStalledCount: 2 });
    expect(worstRecoveryMs(5_000)).toBe(7_500);
    expect(worstRecoveryMs(30_000)).toBeLessThan(60_000);
  });
});
