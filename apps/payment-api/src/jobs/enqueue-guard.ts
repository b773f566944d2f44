import { Logger } from '@nestjs/common';
import type { QueueMetrics } from './queue-metrics';
import type { QueueName } from './queue-table';

/**
 * How long an enqueue waits at most. A local Redis answers in about a millisecond;
 * BullMQ's connection queues commands while Redis is away (maxRetriesPerRequest null), so
 * without this bound a Redis outage would hold the relay until Redis came back.
 */
export const ENQUEUE_TIMEOUT_MS = 500;

export class EnqueueTimeoutError extends Error {
  readonly code = 'ENQUEUE_TIMEOUT';

  constructor(readonly queue: QueueName) {
    super(`enqueue on ${queue} took more than ${ENQUEUE_TIMEOUT_MS} ms`);
    this.name = 'EnqueueTimeoutError';
  }
}

/**
 * Enqueues a follow-up of a recorded change (for the outbox relay, follow-ups/): bounded in time,
 * every failure counted, logged once per queue until an enqueue on it works again (an outage does
 * not flood the log), and thrown: the outbox entry then stays pending and is delivered again.
 */
export class EnqueueGuard {
  private readonly log = new Logger('Jobs');
  private readonly failing = new Set<QueueName>();

  constructor(private readonly metrics: QueueMetrics) {}

  /** Runs `add` within ENQUEUE_TIMEOUT_MS; a failure is counted, logged (once per outage) and thrown. */
  async enqueue(queue: QueueName, what: string, add: () => Promise<unknown>): Promise<void> {
    try {
      await bounded(queue, add);
      if (this.failing.delete(queue)) this.log.log(`enqueueing on ${queue} works again`);
    } catch (error) {
      this.metrics.enqueueFailed(queue);
      if (!this.failing.has(queue)) {
        this.failing.add(queue);
        this.log.warn(`could not enqueue ${what} on ${queue}: ${describe(error)}; the outbox delivers it again (further failures on ${queue} are counted in breakwater_job_enqueue_failures_total, not logged)`);
      }
      throw error;
    }
  }
}

/** Runs `add` within ENQUEUE_TIMEOUT_MS; throws what went wrong. */
async function bounded(queue: QueueName, add: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const adding = add();
  // A late rejection after the timeout must not become an unhandled rejection.
  adding.catch(() => undefined);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EnqueueTimeoutError(queue)), ENQUEUE_TIMEOUT_MS);
  });
  try {
    await Promise.race([adding, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
