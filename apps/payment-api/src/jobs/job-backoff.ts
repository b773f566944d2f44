import type { BackoffStrategy } from 'bullmq';

/** The backoff type stored in each job's options; BullMQ hands it to the worker's strategy. */
export const JITTERED_EXPONENTIAL = 'jittered-exponential';

/**
 * Exponential backoff with "equal jitter": the delay before run n+1 is drawn uniformly from
 * [d/2, d] where d = min(cap, base x 2^(n-1)). Half of it spreads a fleet's retries, the other
 * half keeps a floor so a retry never comes right back. BullMQ's built-in `exponential` has
 * jitter but no cap, which 30 reconcile attempts need.
 */
export function jitteredExponential(baseMs: number, capMs: number, random: () => number = Math.random): BackoffStrategy {
  return (attemptsMade) => {
    const ceiling = Math.min(capMs, baseMs * Math.pow(2, Math.max(0, attemptsMade - 1)));
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  };
}
