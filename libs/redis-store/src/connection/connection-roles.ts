import type { RedisOptions } from 'ioredis';
import { COORDINATION_REDIS_OPTIONS } from '../coordination-redis';

/**
 * What a connection is for; each gets its own settings (architecture.md section 6): one ioredis
 * configuration does not fit every connection.
 */
export type RedisRole = 'coordination' | 'data' | 'queue' | 'subscriber';

/** How long a payment command may take before the request answers 503 rather than wait. */
export const DEFAULT_DATA_COMMAND_TIMEOUT_MS = 1_000;

const reconnectQuickly = (attempt: number): number => Math.min(50 * attempt, 500);

/**
 * Payments, idempotency keys, audit: fails fast like coordination, so a Redis outage is a quick
 * 503 rather than a request waiting a minute, with a longer command timeout (a payment script
 * does more than a breaker's).
 */
export const DATA_REDIS_OPTIONS: Readonly<RedisOptions> = Object.freeze({
  enableOfflineQueue: false,
  commandTimeout: DEFAULT_DATA_COMMAND_TIMEOUT_MS,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  connectTimeout: 1_000,
  retryStrategy: reconnectQuickly,
});

/** BullMQ: its blocking commands must wait for Redis as long as it takes (`maxRetriesPerRequest: null`). */
export const QUEUE_REDIS_OPTIONS: Readonly<RedisOptions> = Object.freeze({
  maxRetriesPerRequest: null,
  enableReadyCheck: true,
  retryStrategy: (attempt: number) => Math.min(100 * attempt, 1_000),
});

/**
 * Pub/sub: no command timeout (ioredis re-subscribes after a reconnect with no catch), the
 * SUBSCRIBE queued until the connection is ready (on Cluster, a subscriber without an offline
 * queue fails its first SUBSCRIBE with "Cluster isn't ready"), and no ioredis auto-resubscribe:
 * ChannelSubscription re-subscribes with a handler and reports what fails.
 */
export const SUBSCRIBER_REDIS_OPTIONS: Readonly<RedisOptions> = Object.freeze({
  enableOfflineQueue: true,
  commandTimeout: undefined,
  maxRetriesPerRequest: null,
  autoResubscribe: false,
  connectTimeout: 1_000,
  retryStrategy: reconnectQuickly,
});

export const ROLE_OPTIONS: Readonly<Record<RedisRole, Readonly<RedisOptions>>> = Object.freeze({
  coordination: COORDINATION_REDIS_OPTIONS,
  data: DATA_REDIS_OPTIONS,
  queue: QUEUE_REDIS_OPTIONS,
  subscriber: SUBSCRIBER_REDIS_OPTIONS,
});
