// The targets of issue 7 as named defaults: the seed's bounds are the pass line, ours are reported
// beside them in the report. Experiments override what their fault makes meaningless.
import type { AbortConditions, Timing } from './experiment';
import type { SteadyStateHypothesis } from '../metrics/hypothesis';

export const SEED_HYPOTHESIS: SteadyStateHypothesis = {
  minAvailability: 0.999,
  maxP95IncreasePct: 50,
  maxThroughputLossPct: 20,
  maxRecoveryMs: 30_000,
  steadyP95Ms: 250,
};

/** Issue 7's own, stricter targets (shown beside the seed's). */
export const OUR_TARGETS = { minAvailability: 0.9999, maxRecoveryMs: 5_000, maxThroughputLossPct: 5, maxP95IncreasePct: 20 };

export const DEFAULT_ABORT: AbortConditions = { minAvailability: 0.5, windowMs: 5_000, maxUnplannedExits: 2 };

export const DEFAULT_TIMING: Timing = { beforeMs: 15_000, faultMs: 20_000, afterMs: 25_000 };

/** --quick: each phase shortened to at most these. */
export const QUICK_TIMING: Timing = { beforeMs: 8_000, faultMs: 10_000, afterMs: 14_000 };

export function quickTiming(t: Timing): Timing {
  return { beforeMs: Math.min(t.beforeMs, QUICK_TIMING.beforeMs), faultMs: Math.min(t.faultMs, QUICK_TIMING.faultMs), afterMs: Math.min(t.afterMs, QUICK_TIMING.afterMs) };
}
