import { ResilienceError } from './resilience-error';

export const BULKHEAD_REJECTED = 'BULKHEAD_REJECTED';

export type BulkheadRejection = 'full' | 'queue-timeout' | 'fleet-full';

/** The bulkhead had no room: the call was not started. */
export class BulkheadRejectedError extends ResilienceError {
  readonly code = BULKHEAD_REJECTED;

  constructor(
    readonly bulkhead: string,
    readonly reason: BulkheadRejection,
    readonly limit: number,
  ) {
    super(`bulkhead ${bulkhead} rejected the call (${reason}, limit ${limit})`);
  }
}

export const isBulkheadRejectedError = (e: unknown): e is BulkheadRejectedError =>
  e instanceof BulkheadRejectedError || (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === BULKHEAD_REJECTED);
