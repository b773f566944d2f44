import { InFlightCalls } from './in-flight-calls';

const SLOW_MS = 1_000;

describe('InFlightCalls', () => {
  let calls: InFlightCalls;

  beforeEach(() => {
    calls = new InFlightCalls();
  });

  it('tracks a call from its start to its end', () => {
    const call = calls.begin(100, 3, true);

    expect(calls.size).toBe(1);
    expect(call).toEqual({ startedAt: 100, version: 3, probe: true, countedSlow: false });

    calls.end(call);

    expect(calls.size).toBe(0);
  });

  describe('sweepSlow', () => {
    it('returns nothing while every call is younger than the slow threshold', () => {
      calls.begin(0, 0, false);

      expect(calls.sweepSlow(999, SLOW_MS)).toEqual([]);
    });

    it('returns a call once it has run exactly the slow threshold, and marks it', () => {
      const call = calls.begin(0, 0, false);

      expect(calls.sweepSlow(1_000, SLOW_MS)).toEqual([call]);
      expect(call.countedSlow).toBe(true);
    });

    it('returns each call once, however many sweeps see it still running', () => {
      const call = calls.begin(0, 0, false);

      expect(calls.sweepSlow(1_000, SLOW_MS)).toEqual([call]);
      expect(calls.sweepSlow(1_050, SLOW_MS)).toEqual([]);
      expect(calls.sweepSlow(60_000, SLOW_MS)).toEqual([]);
    });

    it('picks up the calls that crossed the line since the last sweep, oldest first', () => {
      const first = calls.begin(0, 0, false);
      const second = calls.begin(100, 0, false);
      const third = calls.begin(900, 0, false);

      expect(calls.sweepSlow(1_000, SLOW_MS)).toEqual([first]);
      expect(calls.sweepSlow(1_950, SLOW_MS)).toEqual([second, third]);
    });

    it('stops at the first young call without looking further', () => {
      // Calls are kept in start order; a (hypothetical) older call behind a young one is not seen.
      calls.begin(500, 0, false);
      const olderButBehind = calls.begin(0, 0, false);

      expect(calls.sweepSlow(1_000, SLOW_MS)).toEqual([]);
      expect(olderButBehind.countedSlow).toBe(false);
    });

    it('forgets calls that ended, slow or not', () => {
      const finishedQuickly = calls.begin(0, 0, false);
      calls.end(finishedQuickly);
      const stillRunning = calls.begin(10, 0, false);

      expect(calls.sweepSlow(1_010, SLOW_MS)).toEqual([stillRunning]);
      calls.end(stillRunning);
      expect(calls.size).toBe(0);
      expect(calls.sweepSlow(5_000, SLOW_MS)).toEqual([]);
    });
  });
});
