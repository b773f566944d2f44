import { Logger } from '@nestjs/common';
import { Queue, Worker, type Job, type Processor, type Telemetry } from 'bullmq';
import type { Context } from '@opentelemetry/api';
import type { RedisConnection } from '@breakwater/redis-store';
import { EventEmitter, type Disposable } from '@breakwater/resilience';
import { OutboxRelay, RedisUnavailableError, type OutboxEntry, type OutboxRelayFailure } from '@breakwater/redis-store';
import type { AppConfig } from '../config/app-config';
import type { ProviderName } from '../config/downstream-config';
import type { DownstreamPolicies } from '../downstreams/downstream-policies';
import type { HttpClient } from '../downstreams/http-client';
import type { RedisConnections } from '../infra/redis-connections';
import type { PaymentMetrics } from '../metrics/payment-metrics';
import { paymentKeys, paymentOutboxKeys } from '../payments/payment-keys';
import type { PaymentStore } from '../payments/payment-store';
import type { ProviderCharge } from '../providers/provider-charge';
import { AuditExportCheckpoint } from './audit-export-checkpoint';
import { AuditExportFile } from './audit-export-file';
import { auditExportProcessor } from './audit-export-processor';
import { DeadLetterQueue, type DeadLettered } from './dead-letter-queue';
import { QueueLock } from './queue-lock';
import { EnqueueGuard } from './enqueue-guard';
import { followUpGroups } from './follow-ups/follow-up-groups';
import { JITTERED_EXPONENTIAL, jitteredExponential } from './job-backoff';
import { jobIds, type AuditExportBatchJobData, type AuditExportJobData, type DeadLetterData, type JobData, type NotificationJobData, type ReconcileJobData } from './job-data';
import { JobScheduler, type NotificationRequest } from './job-scheduler';
import { jobTelemetry } from './job-telemetry';
import { notificationProcessor } from './notification-processor';
import { QueueMetrics } from './queue-metrics';
import { ReplayTracing } from './replay-tracing';
import { bullPrefix, deadLetterName, isQueueName, KEEP_COMPLETED_S, NOTIFY_CHANNELS, notifyQueue, QUEUE_NAMES, queueSettings, type QueueName, type QueueOverrides } from './queue-table';
import { PaymentStatus } from '../payments/payment';
import { NotifyRateLimit } from './notify-rate-limit';
import { NOT_FOUND_MARGIN_MS, reconcileProcessor } from './reconcile-processor';
import { UnknownQueueError } from './unknown-queue.error';
import { workerTiming } from './worker-timing';

export interface JobsDeps {
  config: AppConfig;
  redis: RedisConnections;
  store: PaymentStore;
  providers: ProviderCharge;
  policies: DownstreamPolicies;
  http: HttpClient;
  metrics: PaymentMetrics;
  /** Changes to the queue table (tests: fewer attempts, shorter backoff). */
  queues?: QueueOverrides;
  /** Changes to the outbox relay's timing (tests: a shorter reclaim time). */
  outbox?: { pollMs?: number; reclaimIdleMs?: number; trimMs?: number };
}

/** Counts per queue for GET /queues. */
export interface QueueCounts {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  deadLetter: number;
}

/** A reconciliation waits this long first: the provider may still be working on the charge. */
export const RECONCILE_DELAY_MS = 1_000;
/** How often each instance moves failed jobs its 'failed' handler missed (it died) to the dead-letter queues. */
export const DEAD_LETTER_SWEEP_MS = 15_000;
/** On close, running jobs get this long to finish before they are cancelled (and retried elsewhere). */
export const CLOSE_GRACE_MS = 5_000;
/** A worker's disconnect waits for its blocking connection, which never answers without Redis. */
const DISCONNECT_GRACE_MS = 1_000;
/** GET /queues gives up after this long (BullMQ's connection would wait for Redis indefinitely). */
export const QUEUE_COUNTS_TIMEOUT_MS = 2_000;

/**
 * The gateway's BullMQ queues and workers (architecture.md section 3): notifications per channel, the
 * audit export, reconciliation of ambiguous charges; each with a dead-letter queue. One worker
 * per queue, with the concurrency of the queue table: the asynchronous bulkheads.
 */
export class BullJobs extends JobScheduler {
  private readonly log = new Logger('Jobs');
  private readonly connection: RedisConnection;
  private readonly queues: Record<QueueName, Queue<JobData>>;
  private readonly deadLetters: Record<QueueName, DeadLetterQueue>;
  private readonly metrics: QueueMetrics;
  private readonly guard: EnqueueGuard;
  private readonly auditFile: AuditExportFile;
  private readonly auditCheckpoint: AuditExportCheckpoint;
  private readonly notifyRate: NotifyRateLimit;
  /** Tracing on only: jobs carry their trace from the enqueue to the worker (job-telemetry.ts). */
  private readonly telemetry: Telemetry<Context> | undefined;
  /** Turns every recorded change of a payment (its outbox entry) into its follow-up jobs. */
  readonly followUps: OutboxRelay;
  private readonly recordedSubscription: Disposable;
  private lastRelayFailure = 0;
  private readonly workers: Pick<Worker<JobData, string>, 'close' | 'cancelAllJobs' | 'disconnect' | 'waitUntilReady'>[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastWorkerError = 0;
  private closing = false;
  private readonly deadLettered = new EventEmitter<DeadLettered>();
  /** A job's attempts ran out and it moved to its dead-letter queue (announced by the instance that moved it). */
  readonly onDeadLetter = this.deadLettered.event;

  constructor(private readonly deps: JobsDeps) {
    super();
    this.connection = deps.redis.forQueue();
    this.telemetry = deps.config.tracing ? jobTelemetry() : undefined;
    const replayTracing = this.telemetry === undefined ? undefined : new ReplayTracing(this.telemetry);
    this.metrics = new QueueMetrics(deps.metrics.registry, async () => (await this.queueCounts()).map((c) => ({ ...c, name: c.name as QueueName })));
    this.guard = new EnqueueGuard(this.metrics);
    this.auditFile = new AuditExportFile(deps.config.auditExportFile);
    this.notifyRate = new NotifyRateLimit(deps.redis.data, deps.config.keyPrefix, deps.config.notifyRate);
    this.auditCheckpoint = new AuditExportCheckpoint(deps.redis.data, deps.config.keyPrefix, deps.config.auditExportFile);
    const queues = {} as Record<QueueName, Queue<JobData>>;
    const deadLetters = {} as Record<QueueName, DeadLetterQueue>;
    for (const name of QUEUE_NAMES) {
      const s = queueSettings(name, deps.queues);
      const prefix = bullPrefix(deps.config.keyPrefix, name);
      queues[name] = this.watch(
        new Queue<JobData>(name, {
          connection: this.connection,
          prefix,
          telemetry: this.telemetry,
          defaultJobOptions: {
            attempts: s.attempts,
            backoff: { type: JITTERED_EXPONENTIAL, delay: s.backoffBaseMs },
            // Bounded (a noeviction Redis also holds the payments): job-id dedup lasts only as long.
            removeOnComplete: { count: s.keepCompleted, age: KEEP_COMPLETED_S },
            // Failed jobs stay until the dead-letter move takes them (it removes them itself).
            removeOnFail: false,
          },
        }),
      );
      const dead = this.watch(new Queue<DeadLetterData>(deadLetterName(name), { connection: this.connection, prefix }));
      const lock = new QueueLock(this.connection, `${prefix}:${name}:dead-letter-lock`);
      deadLetters[name] = new DeadLetterQueue({ name, main: queues[name], dead, metrics: this.metrics, lock, buried: this.deadLettered, tracing: replayTracing });
    }
    this.queues = queues;
    this.deadLetters = deadLetters;
    this.followUps = new OutboxRelay({
      redis: deps.redis.data,
      streams: paymentOutboxKeys(deps.config.keyPrefix),
      groups: followUpGroups({ jobs: this, store: deps.store, cannotFollowUp: (entry, why) => this.cannotFollowUp(entry, why) }),
      consumer: deps.config.instanceId,
      ...deps.outbox,
    });
    this.followUps.onFailure((failure) => this.relayFailed(failure));
    // A change recorded here: its shard's outbox is read now, not on the next poll.
    this.recordedSubscription = deps.store.onRecorded((paymentId) => this.followUps.kick(paymentKeys(deps.config.keyPrefix, paymentId)[3]));
  }

  /** Starts one worker per queue, limits the audit export to one job at a time fleet-wide, and the dead-letter sweeps. */
  async start(): Promise<void> {
    const { store, providers, policies, http } = this.deps;
    for (const channel of NOTIFY_CHANNELS) this.startWorker<NotificationJobData>(notifyQueue(channel), notificationProcessor(policies, http));
    this.startWorker<AuditExportJobData | AuditExportBatchJobData>('audit-export', auditExportProcessor(store, this.auditFile, this.auditCheckpoint));
    const reconcile = queueSettings('payment-reconcile', this.deps.queues);
    this.startWorker<ReconcileJobData>(
      'payment-reconcile',
      reconcileProcessor(store, providers, {
          // A run the provider's breaker refused waits as long as a retry would at most.
          postpone: { minMs: reconcile.backoffBaseMs, maxMs: reconcile.backoffCapMs },
        notFoundFinalAfterMs: this.deps.config.paymentDeadlineMs + NOT_FOUND_MARGIN_MS,
      }),
    );
    for (const name of QUEUE_NAMES) {
      const global = queueSettings(name, this.deps.queues).globalConcurrency;
      if (global !== undefined) await this.queues[name].setGlobalConcurrency(global);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    const sweep = (): void => void this.sweepDeadLetters();
    sweep();
    this.sweepTimer = setInterval(sweep, DEAD_LETTER_SWEEP_MS);
    this.sweepTimer.unref();
    this.followUps.start();
  }

  /** Throws when a job could not be enqueued (counted, and logged once per outage). */
  async notify(request: NotificationRequest): Promise<void> {
    await this.addNotifications<unknown>(
      request,
      (queue, add) => this.guard.enqueue(queue, `the ${queue} notification of payment ${request.paymentId}`, add),
      (queue, data) => this.queues[queue].add('notify', data, { jobId: jobIds.notification(request.paymentId, data.channel) }),
    );
  }

  /**
   * The notifications of many payments (a read of the outbox): each destination's slot taken as
   * notify() does, then one addBulk per queue (one round trip for all its jobs). Throws when any
   * could not be enqueued: the caller delivers them all again, and the job ids and slots make a
   * repeat add nothing.
   */
  async notifyAll(requests: readonly NotificationRequest[]): Promise<void> {
    type BulkJob = { name: string; data: NotificationJobData; opts: { jobId: string } };
    const jobs = new Map<QueueName, BulkJob[]>();
    const collect = async (queue: QueueName, add: () => Promise<BulkJob | undefined>): Promise<void> => {
      const job = await add();
      if (job !== undefined) jobs.set(queue, [...(jobs.get(queue) ?? []), job]);
    };
    const bulkJob = (_queue: QueueName, data: NotificationJobData): BulkJob => ({ name: 'notify', data, opts: { jobId: jobIds.notification(data.paymentId, data.channel) } });
    await Promise.all(requests.map((request) => this.addNotifications<BulkJob>(request, collect, bulkJob)));
    await Promise.all([...jobs].map(([queue, list]) => this.guard.enqueue(queue, `${list.length} ${queue} notifications`, () => this.queues[queue].addBulk(list))));
  }

  /** Throws when the job could not be enqueued (counted, and logged once per outage). */
  async reconcile(paymentId: string, provider: ProviderName): Promise<void> {
    const data: ReconcileJobData = { paymentId, provider };
    await this.guard.enqueue('payment-reconcile', `the reconciliation of payment ${paymentId} with ${provider}`, () =>
      this.queues['payment-reconcile'].add('reconcile', data, { jobId: jobIds.reconcile(paymentId), delay: RECONCILE_DELAY_MS }),
    );
  }

  /** Throws when the job could not be enqueued (counted, and logged once per outage). */
  async exportAudit(paymentId: string, auditId: string): Promise<void> {
    const data: AuditExportJobData = { paymentId, auditId };
    await this.guard.enqueue('audit-export', `the audit export of ${paymentId}/${auditId}`, () => this.queues['audit-export'].add('export', data, { jobId: jobIds.auditExport(paymentId, auditId) }));
  }

  /** One job for many entries (a read of the outbox); throws when it could not be enqueued. */
  async exportAudits(entries: readonly AuditExportJobData[]): Promise<void> {
    if (entries.length === 0) return;
    const data: AuditExportBatchJobData = { entries: [...entries] };
    await this.guard.enqueue('audit-export', `the audit export of ${entries.length} entries`, () => this.queues['audit-export'].add('export-batch', data, { jobId: jobIds.auditExportBatch(entries) }));
  }

  /** Throws RedisUnavailableError when Redis does not answer within QUEUE_COUNTS_TIMEOUT_MS. */
  async queueCounts(): Promise<QueueCounts[]> {
    const counting = this.countQueues();
    if (!(await settlesWithin(counting, QUEUE_COUNTS_TIMEOUT_MS))) {
      counting.catch(() => undefined);
      throw new RedisUnavailableError(`queue counts: Redis did not answer within ${QUEUE_COUNTS_TIMEOUT_MS} ms`);
    }
    return counting;
  }

  private countQueues(): Promise<QueueCounts[]> {
    return Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const [c, deadLetter] = await Promise.all([this.queues[name].getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'), this.deadLetters[name].count()]);
        const n = (k: string): number => c[k] ?? 0;
        return { name, waiting: n('waiting') + n('prioritized'), active: n('active'), delayed: n('delayed'), failed: n('failed'), completed: n('completed'), deadLetter };
      }),
    );
  }

  /** Puts every job of `queue`'s dead-letter queue back in `queue` (same id, fresh attempts); how many. */
  async replayDeadLetters(queue: string): Promise<number> {
    if (!isQueueName(queue)) throw new UnknownQueueError(queue);
    return this.deadLetters[queue].replay();
  }

  /** Workers first (running jobs get CLOSE_GRACE_MS, then are cancelled and retried elsewhere), then the queues. */
  async close(): Promise<void> {
    this.closing = true;
    this.recordedSubscription.dispose();
    await this.followUps.stop();
    clearInterval(this.sweepTimer);
    // Without Redis a worker can neither finish nor hand back its jobs (they are retried elsewhere
    // once their lock expires), and a queue cannot close cleanly: waiting would only outlast the
    // launcher's stop grace and end in SIGKILL.
    const grace = (): number => (this.connection.status === 'ready' ? CLOSE_GRACE_MS : 0);
    await Promise.all(
      this.workers.map(async (worker) => {
        const closing = worker.close();
        if (await settlesWithin(closing, grace())) return;
        worker.cancelAllJobs('the instance is shutting down');
        if (await settlesWithin(closing, grace())) return;
        await settlesWithin(worker.disconnect(), DISCONNECT_GRACE_MS);
      }),
    );
    await Promise.all(QUEUE_NAMES.flatMap((name) => [this.queues[name].close(), this.deadLetters[name].dead.close()]).map((p) => settlesWithin(p, grace())));
    this.connection.disconnect();
  }

  /**
   * One job per channel of an AUTHORIZED payment (nothing for any other status: a declined
   * payment must not let anyone message the addresses it names), each only while its destination
   * has a slot left in the fleet-wide window (NotifyRateLimit); a refused one is logged, not sent.
   */
  private async addNotifications<J>(request: NotificationRequest, enqueue: (queue: QueueName, add: () => Promise<J | undefined>) => Promise<void>, make: (queue: QueueName, data: NotificationJobData) => Promise<J> | J): Promise<void> {
    if (request.status !== PaymentStatus.AUTHORIZED) return;
    await Promise.all(
      NOTIFY_CHANNELS.flatMap((channel) => {
        const target = request.notify[channel];
        if (target === undefined || target === '') return [];
        const queue = notifyQueue(channel);
        const data: NotificationJobData = { paymentId: request.paymentId, channel, target, status: request.status, amount: request.amount, currency: request.currency };
        const add = async (): Promise<J | undefined> => {
          if (await this.notifyRate.allows(channel, target, request.paymentId)) return make(queue, data);
          this.log.warn(`payment ${request.paymentId}: its ${channel} notification is not sent: its destination had its ${this.deps.config.notifyRate.limit} notifications of the window (NOTIFY_RATE_LIMIT)`);
          return undefined;
        };
        return [enqueue(queue, add)];
      }),
    );
  }

  private startWorker<T extends JobData>(name: QueueName, processor: Processor<T, string>): void {
    const s = queueSettings(name, this.deps.queues);
    const worker = new Worker<T, string>(name, processor, {
      connection: this.connection,
      prefix: bullPrefix(this.deps.config.keyPrefix, name),
      telemetry: this.telemetry,
      concurrency: s.concurrency,
      ...workerTiming(this.deps.config.jobLockMs),
      settings: { backoffStrategy: jitteredExponential(s.backoffBaseMs, s.backoffCapMs) },
    });
    worker.on('completed', () => this.metrics.job(name, 'completed'));
    worker.on('stalled', () => this.metrics.job(name, 'stalled'));
    worker.on('failed', (job: Job<T, string> | undefined) => {
      // 'failed' follows every failed run; finishedOn is set only when no retry follows.
      if (job === undefined || job.id === undefined) return;
      if (job.finishedOn === undefined) return this.metrics.job(name, 'retried');
      this.metrics.job(name, 'failed');
      const id = job.id;
      this.deadLetters[name].bury(id).catch((error: unknown) => this.log.warn(`could not move job ${id} of ${name} to its dead-letter queue yet (the sweep will): ${String(error)}`));
    });
    worker.on('error', (error) => this.workerError(name, error));
    this.workers.push(worker);
  }

  private async sweepDeadLetters(): Promise<void> {
    for (const name of QUEUE_NAMES) {
      try {
        await this.deadLetters[name].sweep();
      } catch (error) {
        this.workerError(name, error);
      }
    }
  }

  /** A change whose follow-up cannot ever be made (a PENDING_REVIEW with no known provider): an operator must look. */
  private cannotFollowUp(entry: OutboxEntry, why: string): void {
    this.log.error(`outbox entry ${entry.id} of ${entry.stream} (payment ${entry.fields.paymentId ?? '?'}, ${entry.fields.status ?? '?'}): no follow-up: ${why}`);
  }

  /** Relay failures are mostly Redis going away (each entry is delivered again): one line per 10 s at most. */
  private relayFailed(f: OutboxRelayFailure): void {
    const now = Date.now();
    if (this.closing || now - this.lastRelayFailure < 10_000) return;
    this.lastRelayFailure = now;
    const what = f.group === undefined ? f.stream : `${f.group} on ${f.stream}`;
    this.log.warn(`outbox ${what}: ${f.entries} entr${f.entries === 1 ? 'y' : 'ies'} left for later: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
  }

  /** Worker and queue errors are mostly Redis going away: one line per 10 s at most. */
  private workerError(name: string, error: unknown): void {
    const now = Date.now();
    if (this.closing || now - this.lastWorkerError < 10_000) return;
    this.lastWorkerError = now;
    this.log.warn(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }

  private watch<Q extends Queue<JobData> | Queue<DeadLetterData>>(queue: Q): Q {
    queue.on('error', (error: Error) => this.workerError(queue.name, error));
    return queue;
  }
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
