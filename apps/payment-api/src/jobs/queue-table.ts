/**
 * The queues of the payment gateway (architecture.md "Names"), one table: each queue is an asynchronous
 * bulkhead with its own worker concurrency, retry attempts and backoff. Every queue has a
 * dead-letter queue `<queue>-dead-letter` where jobs land once their attempts are exhausted.
 */
export const QUEUE_NAMES = ['notify-email', 'notify-sms', 'notify-push', 'audit-export', 'payment-reconcile'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export const NOTIFY_CHANNELS = ['email', 'sms', 'push'] as const;
export type NotifyChannel = (typeof NOTIFY_CHANNELS)[number];

export interface QueueSettings {
  /** Jobs one instance runs at once (the bulkhead of that downstream). */
  concurrency: number;
  /** Jobs the whole fleet runs at once (BullMQ global concurrency); undefined: no fleet limit. */
  globalConcurrency?: number;
  /** Total runs of a job before it goes to the dead-letter queue. */
  attempts: number;
  /** Exponential backoff with jitter between runs: base delay and cap. */
  backoffBaseMs: number;
  backoffCapMs: number;
  /**
   * Completed jobs kept (the most recent), at most KEEP_COMPLETED_S each. While a job is kept,
   * enqueueing the same work again (same job id) adds nothing; after, it runs again, which each
   * job makes harmless on its own (see the README, "Keeping completed jobs").
   */
  keepCompleted: number;
}

/** How many completed jobs a queue keeps, by default: with the age limit, what bounds their keys in Redis. */
export const KEEP_COMPLETED = 10_000;
/**
 * Completed audit-export jobs kept: a job is a whole read of the outbox (up to hundreds of
 * entries, some KB of data), and its id only dedups a read delivered again whole, which the
 * payments' export marks make harmless anyway.
 */
export const KEEP_COMPLETED_AUDIT = 1_000;
/** The longest a completed job is kept, in seconds. */
export const KEEP_COMPLETED_S = 3_600;

export const QUEUE_TABLE: Readonly<Record<QueueName, Readonly<QueueSettings>>> = Object.freeze({
  'notify-email': { concurrency: 20, attempts: 6, backoffBaseMs: 1_000, backoffCapMs: 15_000, keepCompleted: KEEP_COMPLETED },
  'notify-sms': { concurrency: 10, attempts: 6, backoffBaseMs: 1_000, backoffCapMs: 15_000, keepCompleted: KEEP_COMPLETED },
  'notify-push': { concurrency: 20, attempts: 6, backoffBaseMs: 1_000, backoffCapMs: 15_000, keepCompleted: KEEP_COMPLETED },
  // Exactly once per audit entry: one export at a time across the fleet, checked against the file.
  'audit-export': { concurrency: 1, globalConcurrency: 1, attempts: 10, backoffBaseMs: 500, backoffCapMs: 10_000, keepCompleted: KEEP_COMPLETED_AUDIT },
  // A payment waits in PENDING_REVIEW until this succeeds. Runs refused by the provider's breaker
  // or bulkhead spend no attempt (reconcile-processor.ts); 40 real failures, 1 s doubling to a
  // 60 s cap with equal jitter, take at least 17 minutes (at most 34) before the dead-letter queue.
  'payment-reconcile': { concurrency: 5, attempts: 40, backoffBaseMs: 1_000, backoffCapMs: 60_000, keepCompleted: KEEP_COMPLETED },
});

/** Per-queue overrides, for tests that cannot wait for production backoffs. */
export type QueueOverrides = Partial<Record<QueueName, Partial<QueueSettings>>>;

export function queueSettings(name: QueueName, overrides: QueueOverrides = {}): QueueSettings {
  return { ...QUEUE_TABLE[name], ...overrides[name] };
}

export const deadLetterName = (queue: QueueName): string => `${queue}-dead-letter`;

export const isQueueName = (name: string): name is QueueName => (QUEUE_NAMES as readonly string[]).includes(name);

export const notifyQueue = (channel: NotifyChannel): QueueName => `notify-${channel}`;

/**
 * BullMQ's key prefix of a queue (and of its dead-letter queue): the instance's key prefix, so
 * test runs with different prefixes never meet, and a hash tag of the queue's name. BullMQ's
 * scripts touch several keys of one queue at once, which on Redis Cluster must share a slot
 * (`bull:` alone gives a CROSSSLOT/MOVED error at start); one tag per queue spreads the queues
 * over the shards instead of putting every job on one.
 */
export const bullPrefix = (keyPrefix: string, queue: QueueName): string => `${keyPrefix}bull:{${queue}}`;
