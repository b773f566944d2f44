// The open model's schedule: arrivals at a fixed rate, whatever the answers do.
import { arrivalsDueBy, checkSchedule, dueOffsetMs, totalArrivals } from '../../chaos/load/schedule';

describe('the load generator\'s schedule', () => {
  const schedule = { ratePerSecond: 100, durationMs: 2_000 };

  it('given 100 payments/s for 2 s, sends 200, request i due at i x 10 ms', () => {
    expect(totalArrivals(schedule)).toBe(200);
    expect(dueOffsetMs(schedule, 0)).toBe(0);
    expect(dueOffsetMs(schedule, 37)).toBe(370);
    expect(dueOffsetMs(schedule, 199)).toBe(1_990);
  });

  it('a late timer finds every request due so far (a burst), never fewer', () => {
    expect(arrivalsDueBy(schedule, 0)).toBe(1);
    expect(arrivalsDueBy(schedule, 9.99)).toBe(1);
    expect(arrivalsDueBy(schedule, 10)).toBe(2);
    expect(arrivalsDueBy(schedule, 505)).toBe(51);
  });

  it('stops by itself: nothing is due past the schedule\'s end', () => {
    expect(arrivalsDueBy(schedule, 1_999)).toBe(200);
    expect(arrivalsDueBy(schedule, 60_000)).toBe(200);
    expect(arrivalsDueBy(schedule, -5)).toBe(0);
  });

  it('keeps fractional rates exact over long runs', () => {
    const odd = { ratePerSecond: 3, durationMs: 10_000 };
    expect(totalArrivals(odd)).toBe(30);
    expect(dueOffsetMs(odd, 3)).toBe(1_000);
    expect(arrivalsDueBy(odd, 1_000)).toBe(4);
  });

  it('refuses a rate or a duration that is not a positive number', () => {
    expect(() => checkSchedule({ ratePerSecond: 0, durationMs: 1 })).toThrow(RangeError);
    expect(() => checkSchedule({ ratePerSecond: 1, durationMs: Number.NaN })).toThrow(RangeError);
  });
});
