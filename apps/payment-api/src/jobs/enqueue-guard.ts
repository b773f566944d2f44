import { Logger } from '@nestjs/common';
import type { QueueMetrics } from './queue-metrics';
import type { QueueName } from './queue-table';

/**
 * How long a payment waits for an enqueue at most. A local Redis answers in about a millisecond;
 * BullMQ's connection queues commands while Redis is away (maxRetriesPerRequest null), so
 * without this bound a Redis outage would hold the payment until Redis came back.
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
 * Enqueues on behalf of a payment: bounded in time, every failure counted. `safely` never lets a
 * failure reach the payment and logs it once per queue until an enqueue on that queue works
 * again, so an outage does not flood the log; `required` (a reconciliation: without it a payment
 * would stay PENDING_REVIEW) logs an error every time, with what failed, and throws.
 */
export class EnqueueGuard {
  private readonly log = new Logger('Jobs');
  private readonly failing = new Set<QueueName>();

  constructor(private readonly metrics: QueueMetrics) {}

  /** Runs `add` within ENQUEUE_TIMEOUT_MS; throws what went wrong (for callers that retry). */
  async bounded(queue: QueueName, add: () => Promise<unknown>): Promise<void> {
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

  /** Like `bounded`, but never throws: a failure is counted and logged. */
  async safely(queue: QueueName, what: string, add: () => Promise<unknown>): Promise<void> {
    try {
      await this.bounded(queue, add);
      this.worked(queue);
    } catch (error) {
      this.metrics.enqueueFailed(queue);
      if (!this.failing.has(queue)) {
        this.failing.add(queue);
        this.log.warn(`could not enqueue ${what} on ${queue}: ${describe(error)} (further failures on ${queue} are counted in breakwater_job_enqueue_failures_total, not logged)`);
      }
    }
  }

  /** Like `bounded`; a failure is counted, logged as an error with `what` and `consequence`, and thrown. */
  async required(queue: QueueName, what: string, add: () => Promise<unknown>, consequence: string): Promise<void> {
    try {
      await this.bounded(queue, add);
      this.worked(queue);
    } catch (error) {
      this.metrics.enqueueFailed(queue);
      this.log.error(`could not enqueue ${what} on ${queue}: ${describe(error)}. ${consequence}`);
      throw error;
    }
  }

  private worked(queue: QueueName): void {
    if (this.failing.delete(queue)) this.log.log(`enqueueing on ${queue} works again`);
  }
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
