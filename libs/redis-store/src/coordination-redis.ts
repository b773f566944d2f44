import type { RedisOptions } from 'ioredis';

/** How long a breaker command may take before the fleet decides without Redis. */
export const DEFAULT_COORDINATION_COMMAND_TIMEOUT_MS = 250;

/**
 * The ioredis settings for breaker coordination: fail fast, never queue, never resend. With the
 * defaults a command to a dead Redis waits about a minute; a resent script could count a batch
 * twice (the batch sequence guards against that, but there is no reason to invite it).
 */
export const COORDINATION_REDIS_OPTIONS: Readonly<RedisOptions> = Object.freeze({
  enableOfflineQueue: false,
  commandTimeout: DEFAULT_COORDINATION_COMMAND_TIMEOUT_MS,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  connectTimeout: 1_000,
  // Keep trying to reconnect, quickly: the fleet resyncs the moment Redis answers.
  retryStrategy: (attempt: number) => Math.min(50 * attempt, 500),
});
