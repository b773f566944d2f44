import { ResilienceError } from '@breakwater/resilience';

export const REDIS_UNAVAILABLE = 'REDIS_UNAVAILABLE';

/** Redis did not answer in time, or the connection is down: the fleet decides locally meanwhile. */
export class RedisUnavailableError extends ResilienceError {
  readonly code = REDIS_UNAVAILABLE;

  constructor(reason: string) {
    super(reason);
  }
}
