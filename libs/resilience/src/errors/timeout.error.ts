import { ResilienceError } from './resilience-error';

export const TIMEOUT = 'TIMEOUT';

/**
 * The call ran out of time and its signal was aborted. `budgetMs` is what it was given: its own
 * timeout, or less when the request's deadline was nearer. `limit` says which of the two ran out.
 */
export class TimeoutError extends ResilienceError {
  readonly code = TIMEOUT;

  constructor(
    readonly downstream: string,
    readonly budgetMs: number,
    readonly limit: 'timeout' | 'deadline',
    /** False when the budget was spent before the call could start: the downstream never saw it. */
    readonly started: boolean = true,
  ) {
    super(!started ? `${downstream}: the request's deadline had passed; the call was not started` : `${downstream} did not answer within ${Math.round(budgetMs)} ms (${limit})`);
  }
}

export const isTimeoutError = (e: unknown): e is TimeoutError => e instanceof TimeoutError || (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === TIMEOUT);
