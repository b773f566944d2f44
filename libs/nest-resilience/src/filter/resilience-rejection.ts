import { isBreakerOpenError, isBulkheadRejectedError, isRetryBudgetExhaustedError } from '@breakwater/resilience';

/** How a call the policies refused is answered over HTTP: 503 with Retry-After (whole seconds). */
export interface RejectionAnswer {
  status: 503;
  retryAfterS: number;
  body: { error: string; message: string; downstream: string; retryAfterMs: number };
}

/** Rounded up, and at least a second: a client that waits this long finds the interval over. */
const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));
/** A full bulkhead or a spent retry budget frees up within moments; a second is an honest hint. */
const SHORT_WAIT_MS = 1000;

/**
 * The answer for an error the resilience policies raised before (or instead of) reaching the
 * downstream: an open breaker, a full bulkhead, a spent retry budget. Undefined for anything else.
 * Each says the service is unavailable for now and when to come back; none is the client's fault.
 */
export function resilienceRejection(error: unknown): RejectionAnswer | undefined {
  if (isBreakerOpenError(error)) {
    const waitMs = Math.max(SHORT_WAIT_MS, Math.ceil(error.retryAfterMs));
    return { status: 503, retryAfterS: seconds(waitMs), body: { error: error.code, message: `${error.breaker} is unavailable (breaker ${error.state}); retry later`, downstream: error.breaker, retryAfterMs: waitMs } };
  }
  if (isBulkheadRejectedError(error)) {
    return { status: 503, retryAfterS: seconds(SHORT_WAIT_MS), body: { error: error.code, message: `${error.bulkhead} is at its concurrency limit (${error.reason}); retry later`, downstream: error.bulkhead, retryAfterMs: SHORT_WAIT_MS } };
  }
  if (isRetryBudgetExhaustedError(error)) {
    return { status: 503, retryAfterS: seconds(SHORT_WAIT_MS), body: { error: error.code, message: `${error.policy} is failing and its retry budget is spent; retry later`, downstream: error.policy, retryAfterMs: SHORT_WAIT_MS } };
  }
  return undefined;
}
