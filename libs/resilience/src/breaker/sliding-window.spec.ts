import { SlidingWindow } from './sliding-window';

// A one-second window of ten buckets: each bucket holds 100 ms of calls.
const WINDOW_MS = 1_000;
const BUCKETS = 10;

describe('SlidingWindow', () => {
  let window: SlidingWindow;

  beforeEach(() => {
    window = new SlidingWindow(WINDOW_MS, BUCKETS);
  });

  it('starts empty', () => {
    expect(window.totals(0)).toEqual({ calls: 0, failures: 0, slowCalls: 0 });
    expect(window.totals(123_456)).toEqual({ calls: 0, failures: 0, slowCalls: 0 });
  });

  it('sums calls, failures and slow calls across its buckets', () => {
    window.record(0, 1, 0, 0);
    window.record(150, 1, 1, 0);
    window.record(420, 1, 1, 1);
    window.record(999, 2, 0, 1);

    expect(window.totals(999)).toEqual({ calls: 5, failures: 2, slowCalls: 2 });
  });

  describe('as time passes', () => {
    it('forgets a bucket once the window has moved past it, one whole bucket at a time', () => {
      window.record(0, 1, 1, 0); // bucket [0, 100)
      window.record(99, 1, 0, 1); // same bucket
      window.record(100, 1, 0, 0); // bucket [100, 200)

      expect(window.totals(999)).toEqual({ calls: 3, failures: 1, slowCalls: 1 });
      // Both calls of the first bucket leave together, when the window starts at 100.
      expect(window.totals(1_000)).toEqual({ calls: 1, failures: 0, slowCalls: 0 });
      expect(window.totals(1_099)).toEqual({ calls: 1, failures: 0, slowCalls: 0 });
      expect(window.totals(1_100)).toEqual({ calls: 0, failures: 0, slowCalls: 0 });
    });

    it('slides by one bucket per bucket of time, dropping the oldest each time', () => {
      for (let t = 0; t < WINDOW_MS; t += 100) window.record(t, 1, 0, 0);

      expect(window.totals(999).calls).toBe(10);
      expect(window.totals(1_000).calls).toBe(9);
      expect(window.totals(1_099).calls).toBe(9);
      expect(window.totals(1_100).calls).toBe(8);
      expect(window.totals(1_250).calls).toBe(7);
      expect(window.totals(1_899).calls).toBe(1);
      expect(window.totals(1_900).calls).toBe(0);
    });

    it('forgets everything after a long silence', () => {
      window.record(500, 3, 3, 3);

      expect(window.totals(60_000)).toEqual({ calls: 0, failures: 0, slowCalls: 0 });
    });
  });

  describe('across wrap-around of the ring', () => {
    it('reuses a slot for a later bucket without carrying over what it held', () => {
      window.record(50, 5, 5, 5); // epoch 0, slot 0
      window.record(1_050, 1, 0, 0); // epoch 10, slot 0 again

      expect(window.totals(1_050)).toEqual({ calls: 1, failures: 0, slowCalls: 0 });
    });

    it('totals the last ten buckets after the ring has gone round more than twice', () => {
      // One call, and one failure every other bucket, for 2.5 seconds: 25 buckets through 10 slots.
      for (let bucket = 0; bucket < 25; bucket++) window.record(bucket * 100 + 10, 1, bucket % 2, 0);

      // Buckets 15..24 are live: ten calls, five of them failures (15, 17, 19, 21, 23).
      expect(window.totals(2_499)).toEqual({ calls: 10, failures: 5, slowCalls: 0 });
      // Buckets 16..24 (plus the empty 25): nine calls, four failures.
      expect(window.totals(2_500)).toEqual({ calls: 9, failures: 4, slowCalls: 0 });
    });

    it('does not count a slot whose bucket is a whole ring old when the slot was not written since', () => {
      window.record(320, 1, 1, 0); // epoch 3, slot 3
      window.record(1_250, 1, 0, 0); // epoch 12, slot 2

      // At 1_300 the window is buckets 4..13: slot 3 still holds epoch 3, which has expired.
      expect(window.totals(1_300)).toEqual({ calls: 1, failures: 0, slowCalls: 0 });
    });

    it('behaves the same far from the clock origin', () => {
      const t0 = 1_234_567_800; // a bucket boundary
      window.record(t0, 1, 1, 0);
      window.record(t0 + 900, 1, 0, 0);

      expect(window.totals(t0 + 999)).toEqual({ calls: 2, failures: 1, slowCalls: 0 });
      expect(window.totals(t0 + 1_000)).toEqual({ calls: 1, failures: 0, slowCalls: 0 });
    });
  });

  describe('clear()', () => {
    it('empties the window at once', () => {
      const t0 = 50_000;
      window.record(t0, 4, 2, 1);
      window.record(t0 + 300, 4, 2, 1);

      window.clear();

      expect(window.totals(t0 + 300)).toEqual({ calls: 0, failures: 0, slowCalls: 0 });
    });

    it('empties the window in the first second after the clock origin too', () => {
      window.record(0, 4, 2, 1);
      window.record(300, 4, 2, 1);

      window.clear();

      expect(window.totals(300)).toEqual({ calls: 0, failures: 0, slowCalls: 0 });
      expect(window.totals(900)).toEqual({ calls: 0, failures: 0, slowCalls: 0 });
    });

    it('counts what is recorded after it, and only that', () => {
      window.record(100, 4, 4, 0);
      window.record(200, 4, 4, 0);
      window.clear();

      window.record(200, 1, 0, 0);

      expect(window.totals(250)).toEqual({ calls: 1, failures: 0, slowCalls: 0 });
    });
  });
});
