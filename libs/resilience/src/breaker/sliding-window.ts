/** What a window holds, summed over its live buckets. */
export interface WindowTotals {
  calls: number;
  failures: number;
  slowCalls: number;
}

export const EMPTY_TOTALS: Readonly<WindowTotals> = Object.freeze({ calls: 0, failures: 0, slowCalls: 0 });

/**
 * A time-based sliding window: `buckets` buckets of `windowMs / buckets` each, in a ring.
 * A bucket is recognised as stale by its epoch (which bucket of time it holds), so expiry needs
 * no timer. The same layout lives in Redis for the fleet (see record-outcomes-4.lua).
 */
export class SlidingWindow {
  private readonly bucketMs: number;
  private readonly epochs: Float64Array;
  private readonly calls: Float64Array;
  private readonly failures: Float64Array;
  private readonly slowCalls: Float64Array;

  constructor(
    windowMs: number,
    private readonly buckets: number,
  ) {
    this.bucketMs = windowMs / buckets;
    this.epochs = new Float64Array(buckets).fill(-1);
    this.calls = new Float64Array(buckets);
    this.failures = new Float64Array(buckets);
    this.slowCalls = new Float64Array(buckets);
  }

  record(now: number, calls: number, failures: number, slowCalls: number): void {
    const epoch = Math.floor(now / this.bucketMs);
    const slot = epoch % this.buckets;
    if (this.epochs[slot] !== epoch) {
      this.epochs[slot] = epoch;
      this.calls[slot] = 0;
      this.failures[slot] = 0;
      this.slowCalls[slot] = 0;
    }
    this.calls[slot] += calls;
    this.failures[slot] += failures;
    this.slowCalls[slot] += slowCalls;
  }

  totals(now: number): WindowTotals {
    const oldest = Math.floor(now / this.bucketMs) - this.buckets;
    let calls = 0;
    let failures = 0;
    let slowCalls = 0;
    for (let slot = 0; slot < this.buckets; slot++) {
      if (this.epochs[slot] > oldest) {
        calls += this.calls[slot];
        failures += this.failures[slot];
        slowCalls += this.slowCalls[slot];
      }
    }
    return { calls, failures, slowCalls };
  }

  clear(): void {
    // Zero the counts too: near the clock origin an epoch of -1 still falls inside the window.
    this.epochs.fill(-1);
    this.calls.fill(0);
    this.failures.fill(0);
    this.slowCalls.fill(0);
  }
}
