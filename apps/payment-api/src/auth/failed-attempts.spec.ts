import { FailedAttempts } from './failed-attempts';

describe('FailedAttempts', () => {
  let now = 0;
  const clock = (): number => now;
  beforeEach(() => (now = 1_000_000));

  it('given 3 failures allowed per 10 s, when an address fails 3 times, then it waits until its window ends', () => {
    const attempts = new FailedAttempts({ maxFailures: 3, windowMs: 10_000 }, clock);
    for (let i = 0; i < 3; i++) {
      expect(attempts.retryAfterMs('10.0.0.1')).toBe(0);
      attempts.recordFailure('10.0.0.1');
      now += 1_000;
    }
    expect(attempts.retryAfterMs('10.0.0.1')).toBe(7_000);
    expect(attempts.retryAfterMs('10.0.0.2')).toBe(0);
    now += 7_000;
    expect(attempts.retryAfterMs('10.0.0.1')).toBe(0);
    expect(attempts.tracked).toBe(0);
  });

  it('keeps memory bounded: past the tracked limit, new addresses share one bucket', () => {
    const attempts = new FailedAttempts({ maxFailures: 2, windowMs: 10_000 }, clock, 3);
    for (const a of ['a', 'b', 'c']) attempts.recordFailure(a);
    attempts.recordFailure('d');
    attempts.recordFailure('e');
    expect(attempts.tracked).toBe(4);
    // d and e share the overflow bucket: together they spent its two failures.
    expect(attempts.retryAfterMs('f')).toBe(10_000);
    now += 10_000;
    attempts.recordFailure('g');
    expect(attempts.tracked).toBe(1);
  });
});
