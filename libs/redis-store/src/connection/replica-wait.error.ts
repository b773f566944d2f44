import { ResilienceError } from '@breakwater/resilience';

export const REDIS_REPLICA_NOT_CONFIRMED = 'REDIS_REPLICA_NOT_CONFIRMED';

/**
 * A write that decides money reached the master, but not the number of replicas the waiting mode
 * asks for within its time (REDIS_WAIT_REPLICAS, REDIS_WAIT_TIMEOUT_MS): a failover now could
 * lose it, so the request is answered 503 rather than acknowledged.
 */
export class ReplicaNotConfirmedError extends ResilienceError {
  readonly code = REDIS_REPLICA_NOT_CONFIRMED;

  constructor(
    readonly key: string,
    readonly wanted: number,
    readonly confirmed: number,
    readonly timeoutMs: number,
  ) {
    super(`the write to ${key} reached ${confirmed} of ${wanted} replica(s) within ${timeoutMs} ms`);
  }
}
