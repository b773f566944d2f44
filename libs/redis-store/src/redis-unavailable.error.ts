import { ResilienceError } from '@breakwater/resilience';
import { ReplicaNotConfirmedError } from './connection/replica-wait.error';

export const REDIS_UNAVAILABLE = 'REDIS_UNAVAILABLE';

/** Redis did not answer in time, or the connection is down: the fleet decides locally meanwhile. */
export class RedisUnavailableError extends ResilienceError {
  readonly code = REDIS_UNAVAILABLE;

  constructor(reason: string) {
    super(reason);
  }
}

/**
 * What ioredis rejects a command with when Redis is not there: the connection closed or not yet
 * writable, the command's timeout, its retries spent, a Cluster or Sentinel with no node to ask,
 * the socket refused or reset. Said by message and name, as ioredis exports no type for most.
 */
const CONNECTION_FAILURES = [
  /^Connection is closed\.?$/,
  /^Stream isn't writeable/,
  /^Command timed out$/,
  /^Reached the max retries per request limit/,
  /^Cluster isn't ready/,
  /^Failed to refresh slots cache/,
  /^All sentinels are unreachable/,
  /\b(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH)\b/,
];

/** Whether `error` says Redis could not be reached (rather than that a command or the code was wrong). */
export function isRedisUnavailable(error: unknown): boolean {
  // The waiting mode's replica did not confirm in time: as unreachable as a master that does not answer.
  if (error instanceof RedisUnavailableError || error instanceof ReplicaNotConfirmedError) return true;
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError' || error.name === 'ClusterAllFailedError') return true;
  return CONNECTION_FAILURES.some((pattern) => pattern.test(error.message));
}
