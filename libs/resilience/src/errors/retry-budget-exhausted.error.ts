import { ResilienceError } from './resilience-error';

export const RETRY_BUDGET_EXHAUSTED = 'RETRY_BUDGET_EXHAUSTED';

/** A retry was due but the (fleet's) retry budget was spent; `cause` is the last call's error. */
export class RetryBudgetExhaustedError extends ResilienceError {
  readonly code = RETRY_BUDGET_EXHAUSTED;

  constructor(
    readonly policy: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`${policy}: retry budget exhausted after ${attempts} attempt(s)`);
    this.cause = cause;
  }
}

export const isRetryBudgetExhaustedError = (e: unknown): e is RetryBudgetExhaustedError =>
  e instanceof RetryBudgetExhaustedError || (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === RETRY_BUDGET_EXHAUSTED);
