import { Queue } from 'bullmq';
import type { RedisConnection } from '@breakwater/redis-store';
import { Gauge, type Registry } from 'prom-client';
import type { DeadLetterData, ReconcileJobData } from '../jobs/job-data';
import { bullPrefix, deadLetterName } from '../jobs/queue-table';
import { PaymentStatus } from '../payments/payment';
import { paymentKeys } from '../payments/payment-keys';

/**
 * Jobs read per queue state per scrape: PENDING_REVIEW is rare (an ambiguous charge), and a
 * backlog larger than this is alarming whatever the oldest's exact age.
 */
export const PENDING_REVIEW_SCAN_LIMIT = 200;
/** A scrape never waits longer than this for Redis: stale numbers beat a hung /metrics. */
const READ_TIMEOUT_MS = 500;
const QUEUE = 'payment-reconcile';
// BullMQ 6 keeps a paused queue's jobs in 'waiting'.
const LIVE_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

export interface PendingReview {
  /** Payments found in PENDING_REVIEW (up to the scan limit per state). */
  count: number;
  /** Age of the oldest, seconds by Redis's clock; 0 when there is none. */
  oldestAgeSeconds: number;
}

/**
 * How long payments have waited in PENDING_REVIEW, for the BreakwaterPendingReviewTooOld alert.
 * Every such payment has a reconciliation job (in the queue, or in its dead-letter queue once its
 * attempts ran out) until it is settled, so the jobs name the payments; each payment's record
 * says whether it is still in review and since when (`updatedAt`, Redis time: the transition
 * into review is its last change). Read at scrape time; nothing on the payment path changes.
 */
export class PendingReviewAge {
  private readonly queue: Queue<ReconcileJobData>;
  private readonly deadLetters: Queue<DeadLetterData>;

  constructor(
    private readonly redis: RedisConnection,
    private readonly keyPrefix: string,
  ) {
    // The data connection fails fast (no offline queue), which a scrape wants; a Queue only reads here.
    this.queue = new Queue<ReconcileJobData>(QUEUE, { connection: redis, prefix: bullPrefix(keyPrefix, QUEUE) });
    this.deadLetters = new Queue<DeadLetterData>(deadLetterName(QUEUE), { connection: redis, prefix: bullPrefix(keyPrefix, QUEUE) });
    // Without a listener BullMQ prints every connection error to stderr (a Redis outage would
    // flood an operator's log); here an error only means a failed read, which the gauges handle.
    for (const q of [this.queue, this.deadLetters]) q.on('error', () => undefined);
  }

  /** Registers `breakwater_pending_review_oldest_age_seconds` and `breakwater_pending_review_payments`. */
  register(registry: Registry): void {
    let pending: Promise<PendingReview | undefined> | undefined;
    // One Redis read per scrape serves both gauges.
    const shared = (): Promise<PendingReview | undefined> => {
      pending ??= this.readWithin(READ_TIMEOUT_MS).finally(() => setImmediate(() => (pending = undefined)));
      return pending;
    };
    // On a failed read the gauges keep their last value: a Redis outage has its own alert.
    new Gauge({
      name: 'breakwater_pending_review_oldest_age_seconds',
      help: 'Seconds the oldest PENDING_REVIEW payment has waited for reconciliation (0: none)',
      registers: [registry],
      async collect() {
        const r = await shared();
        if (r !== undefined) this.set(r.oldestAgeSeconds);
      },
    });
    new Gauge({
      name: 'breakwater_pending_review_payments',
      help: 'PENDING_REVIEW payments waiting for reconciliation',
      registers: [registry],
      async collect() {
        const r = await shared();
        if (r !== undefined) this.set(r.count);
      },
    });
  }

  async read(): Promise<PendingReview> {
    const [live, dead] = await Promise.all([
      this.queue.getJobs([...LIVE_STATES], 0, PENDING_REVIEW_SCAN_LIMIT - 1, true),
      this.deadLetters.getJobs(['waiting', 'delayed', 'failed'], 0, PENDING_REVIEW_SCAN_LIMIT - 1, true),
    ]);
    const ids = new Set<string>();
    for (const job of live) if (typeof job?.data?.paymentId === 'string') ids.add(job.data.paymentId);
    for (const job of dead) {
      const data = job?.data?.data;
      if (data !== undefined && 'paymentId' in data && typeof data.paymentId === 'string' && 'provider' in data) ids.add(data.paymentId);
    }
    const [[seconds, micros], records] = await Promise.all([this.redis.time(), Promise.all([...ids].map((id) => this.redis.hmget(paymentKeys(this.keyPrefix, id)[0], 'status', 'updatedAt')))]);
    const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    let count = 0;
    let oldestMs = 0;
    for (const [status, updatedAt] of records) {
      if (status !== PaymentStatus.PENDING_REVIEW) continue;
      count += 1;
      const since = Number(updatedAt);
      if (Number.isFinite(since)) oldestMs = Math.max(oldestMs, nowMs - since);
    }
    return { count, oldestAgeSeconds: Math.max(0, oldestMs) / 1000 };
  }

  private async readWithin(ms: number): Promise<PendingReview | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    const reading = this.read();
    reading.catch(() => undefined); // abandoned after the time limit: its rejection needs a handler
    try {
      return await Promise.race([reading, late]);
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.queue.close(), this.deadLetters.close()]);
  }
}
