/**
 * How many calls a bulkhead lets run at once. A fixed number, or an adaptive limiter that learns
 * it from the latency and errors the bulkhead reports after every call.
 */
export interface ConcurrencyLimit {
  readonly current: number;
  /** One finished call: how long it took, whether it failed, how many were running with it. */
  onSample?(sample: CallSample): void;
}

export interface CallSample {
  latencyMs: number;
  failed: boolean;
  inFlight: number;
}

export const fixedLimit = (limit: number): ConcurrencyLimit => ({ current: limit });
