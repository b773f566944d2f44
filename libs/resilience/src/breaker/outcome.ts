/**
 * What one call adds to a window. A call that crosses the slow threshold while running is
 * counted then (a call and a slow call); when it finishes later it adds only its failure, if any.
 */
export interface Outcome {
  readonly calls: 0 | 1;
  readonly failures: 0 | 1;
  readonly slowCalls: 0 | 1;
  /** The call finished without failing: it ends a run of consecutive failures. */
  readonly succeeded: boolean;
  /** This is the call's verdict (a probe is judged once: when it ends, or when it turns slow). */
  readonly verdict: boolean;
  /** The call failed with an error that says nothing about the downstream: a probe's permit goes back. */
  readonly ignored: boolean;
}

const outcome = (calls: 0 | 1, failures: 0 | 1, slowCalls: 0 | 1, succeeded: boolean, verdict: boolean, ignored = false): Outcome =>
  Object.freeze({ calls, failures, slowCalls, succeeded, verdict, ignored });

export const Outcomes = {
  SUCCEEDED: outcome(1, 0, 0, true, true),
  SUCCEEDED_SLOW: outcome(1, 0, 1, true, true),
  FAILED: outcome(1, 1, 0, false, true),
  FAILED_SLOW: outcome(1, 1, 1, false, true),
  /** Still running, past the slow threshold. */
  CROSSED_SLOW: outcome(1, 0, 1, false, true),
  /** Finished after it was counted as slow. */
  SUCCEEDED_AFTER_SLOW: outcome(0, 0, 0, true, false),
  FAILED_AFTER_SLOW: outcome(0, 1, 0, false, false),
  /** Failed with an error `isFailure` does not count (the downstream never saw the call): counts nothing. */
  IGNORED: outcome(0, 0, 0, false, false, true),
  /** The same, after the call was already counted as slow (and a probe judged by it). */
  IGNORED_AFTER_SLOW: outcome(0, 0, 0, false, false),
} as const;

export const finishedOutcome = (failed: boolean, slow: boolean): Outcome =>
  failed ? (slow ? Outcomes.FAILED_SLOW : Outcomes.FAILED) : slow ? Outcomes.SUCCEEDED_SLOW : Outcomes.SUCCEEDED;

/** A probe passes only if it finished in time without failing. */
export const probePassed = (o: Outcome): boolean => o.succeeded && o.slowCalls === 0;
