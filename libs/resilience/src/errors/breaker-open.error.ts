import type { BreakerState } from '../breaker/breaker-state';
import { ResilienceError } from './resilience-error';

export const BREAKER_OPEN = 'BREAKER_OPEN';

/** The breaker refused the call without running it: the downstream was not touched. */
export class BreakerOpenError extends ResilienceError {
  readonly code = BREAKER_OPEN;

  constructor(
    readonly breaker: string,
    readonly state: BreakerState,
    /** How long until the breaker may let a probe through; a hint, never a promise. */
    readonly retryAfterMs: number,
  ) {
    super(`breaker ${breaker} is ${state}; retry after ${Math.ceil(retryAfterMs)} ms`);
  }
}

export const isBreakerOpenError = (e: unknown): e is BreakerOpenError =>
  e instanceof BreakerOpenError || (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === BREAKER_OPEN);
