import { Counter, Gauge, type Registry } from 'prom-client';
import type { QueueName } from './queue-table';

export type JobOutcome = 'completed' | 'retried' | 'failed' | 'stalled' | 'dead_lettered' | 'replayed';

/** What a scrape shows of one queue; read from Redis at scrape time. */
export interface QueueDepth {
  name: QueueName;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  deadLetter: number;
}

/** A scrape never waits longer than this for Redis: stale numbers beat a hung /metrics. */
const SCRAPE_TIMEOUT_MS = 500;

/** The queues' Prometheus metrics, on the instance's registry. */
export class QueueMetrics {
  private readonly jobs: Counter<'queue' | 'outcome'>;
  private readonly enqueueFailures: Counter<'queue'>;

  constructor(registry: Registry, depths: () => Promise<QueueDepth[]>) {
    this.jobs = new Counter({ name: 'breakwater_jobs_total', help: 'Job runs by queue and outcome', labelNames: ['queue', 'outcome'], registers: [registry] });
    this.enqueueFailures = new Counter({
      name: 'breakwater_job_enqueue_failures_total',
      help: 'Follow-up jobs that could not be enqueued (Redis unreachable or slow); the outbox delivers each again',
      labelNames: ['queue'],
      registers: [registry],
    });
    const read = async (): Promise<QueueDepth[] | undefined> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), SCRAPE_TIMEOUT_MS);
      });
      try {
        return await Promise.race([depths(), timeout]);
      } catch {
        return undefined;
      } finally {
        clearTimeout(timer);
      }
    };
    // One Redis read per scrape serves both gauges.
    let pending: Promise<QueueDepth[] | undefined> | undefined;
    const shared = (): Promise<QueueDepth[] | undefined> => {
      pending ??= read().finally(() => setImmediate(() => (pending = undefined)));
      return pending;
    };
    new Gauge({
      name: 'breakwater_queue_depth',
      help: 'Jobs per queue and state (waiting, active, delayed, failed)',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        const depths = await shared();
        for (const d of depths ?? []) for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) this.set({ queue: d.name, state }, d[state]);
      },
    });
    new Gauge({
      name: 'breakwater_queue_dead_letters',
      help: 'Jobs in each queue\'s dead-letter queue, waiting for an operator to replay them',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        const depths = await shared();
        for (const d of depths ?? []) this.set({ queue: d.name }, d.deadLetter);
      },
    });
  }

  job(queue: QueueName, outcome: JobOutcome, n = 1): void {
    this.jobs.inc({ queue, outcome }, n);
  }

  enqueueFailed(queue: QueueName): void {
    this.enqueueFailures.inc({ queue });
  }
}
