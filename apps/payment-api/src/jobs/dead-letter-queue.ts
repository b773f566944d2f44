import type { Queue } from 'bullmq';
import type { EventEmitter } from '@breakwater/resilience';
import type { DeadLetterData, JobData } from './job-data';
import type { QueueLock } from './queue-lock';
import type { QueueMetrics } from './queue-metrics';
import type { QueueName } from './queue-table';
import type { ReplayTracing } from './replay-tracing';

/** A job whose attempts ran out, now in its dead-letter queue. */
export interface DeadLettered {
  queue: QueueName;
  jobId: string;
  attempts: number;
  lastError: string;
}

export interface DeadLetterQueueOptions {
  name: QueueName;
  main: Queue<JobData>;
  dead: Queue<DeadLetterData>;
  metrics: QueueMetrics;
  /** Bury and replay of one queue never interleave across the fleet. */
  lock: QueueLock;
  buried: EventEmitter<DeadLettered>;
  /** Tracing on: a replayed job goes back into the trace it came from. */
  tracing?: ReplayTracing;
}

/** How many jobs one page of a sweep or replay reads. */
const PAGE = 100;

/**
 * One queue and its dead-letter queue. BullMQ has no dead-letter queue of its own: a job whose
 * attempts ran out sits in the main queue's failed set. `bury` copies it to `<queue>-dead-letter`
 * under the same job id (with its data and last error) and then removes it from the failed set,
 * so that a replay can add the id again. Both steps are safe to repeat: an add whose id exists
 * adds nothing, and a second remove finds nothing. An instance that dies between the two leaves
 * the job in the failed set, where the next sweep (any instance) finishes the move.
 *
 * The dead-letter queue has no worker: its jobs wait there until `replay` puts them back.
 */
export class DeadLetterQueue {
  readonly name: QueueName;
  readonly dead: Queue<DeadLetterData>;
  private readonly main: Queue<JobData>;
  private readonly metrics: QueueMetrics;
  private readonly lock: QueueLock;
  private readonly buried: EventEmitter<DeadLettered>;
  private readonly tracing: ReplayTracing | undefined;

  constructor(o: DeadLetterQueueOptions) {
    this.name = o.name;
    this.dead = o.dead;
    this.main = o.main;
    this.metrics = o.metrics;
    this.lock = o.lock;
    this.buried = o.buried;
    this.tracing = o.tracing;
  }

  /** Moves the failed job `jobId` to the dead-letter queue; false when it is not (or no longer) failed. */
  bury(jobId: string): Promise<boolean> {
    return this.lock.exclusively(() => this.buryNow(jobId));
  }

  private async buryNow(jobId: string): Promise<boolean> {
    const job = await this.main.getJob(jobId);
    if (job === undefined || (await job.getState()) !== 'failed') return false;
    const letter: DeadLetterData = { name: job.name, data: job.data, lastError: job.failedReason ?? 'unknown error', attemptsMade: job.attemptsMade, deadAt: job.finishedOn ?? Date.now() };
    const telemetry = job.opts.telemetry?.metadata;
    if (telemetry !== undefined) letter.telemetry = telemetry;
    await this.dead.add(job.name, letter, { jobId });
    const removed = await this.main.remove(jobId);
    if (removed !== 1) return false;
    this.metrics.job(this.name, 'dead_lettered');
    this.buried.emit({ queue: this.name, jobId, attempts: letter.attemptsMade, lastError: letter.lastError });
    return true;
  }

  /** Buries every job in the main queue's failed set (each one has exhausted its attempts). */
  async sweep(): Promise<number> {
    let moved = 0;
    let seen = new Set<string>();
    for (;;) {
      const failed = await this.main.getFailed(0, PAGE - 1);
      const fresh = failed.filter((j) => j.id !== undefined && !seen.has(j.id));
      if (fresh.length === 0) return moved;
      for (const job of fresh) {
        if (job.id === undefined) continue;
        seen.add(job.id);
        if (await this.bury(job.id)) moved++;
      }
      if (seen.size > 10 * PAGE) seen = new Set<string>();
    }
  }

  /**
   * Puts every dead letter back in the main queue, same job id and data, with fresh attempts;
   * returns how many. A job already waiting or running under that id in the main queue is left
   * to run; a finished one is replaced.
   */
  replay(): Promise<number> {
    return this.lock.exclusively(() => this.replayNow());
  }

  private async replayNow(): Promise<number> {
    let replayed = 0;
    const done = new Set<string>();
    for (;;) {
      const letters = (await this.dead.getJobs(['waiting', 'prioritized', 'delayed'], 0, PAGE - 1)).filter((l) => l.id !== undefined && !done.has(l.id));
      if (letters.length === 0) break;
      for (const letter of letters) {
        if (letter.id === undefined) continue;
        done.add(letter.id);
        await this.requeue(letter.id, letter.data);
        // Only after the job is back: a crash in between leaves both, and a second replay is harmless.
        await this.dead.remove(letter.id);
        replayed++;
      }
    }
    if (replayed > 0) this.metrics.job(this.name, 'replayed', replayed);
    return replayed;
  }

  /** Dead letters waiting for a replay. */
  count(): Promise<number> {
    return this.dead.count();
  }

  private async requeue(jobId: string, letter: DeadLetterData): Promise<void> {
    const existing = await this.main.getJob(jobId);
    if (existing !== undefined) {
      const state = await existing.getState();
      if (state !== 'failed' && state !== 'completed' && state !== 'unknown') return; // already waiting or running
      await this.main.remove(jobId);
    }
    const add = (): Promise<unknown> => this.main.add(letter.name, letter.data, { jobId });
    if (this.tracing === undefined) await add();
    else await this.tracing.replaying({ queue: this.name, jobId, metadata: letter.telemetry }, add);
  }
}
