import type { ProtectedCall } from '../breaker/breaker';
import { systemClock, type Clock } from '../clock';
import { notStartedReason, remainingMs } from '../deadline/deadline';
import { BulkheadRejectedError, type BulkheadRejection } from '../errors/bulkhead-rejected.error';
import { InvalidConfigError } from '../errors/config.error';
import { EventEmitter } from '../events/event';
import { NEVER_ABORTED, type Policy } from '../policy/policy';
import { fixedLimit, type ConcurrencyLimit } from './concurrency-limit';

export interface BulkheadOptions {
  /** Calls running at once; or give `limit` (an adaptive limiter) instead. */
  maxConcurrent?: number;
  limit?: ConcurrencyLimit;
  /** Calls allowed to wait for a slot; beyond that a call is rejected at once. */
  maxQueue?: number;
  /** Longest wait in the queue (also bounded by the request's deadline). */
  queueTimeoutMs?: number;
  clock?: Clock;
}

export const DEFAULT_BULKHEAD_MAX_QUEUE = 0;
export const DEFAULT_BULKHEAD_QUEUE_TIMEOUT_MS = 1_000;

export interface BulkheadRejected {
  bulkhead: string;
  reason: BulkheadRejection;
  inFlight: number;
  queued: number;
}

interface Waiter {
  start(): void;
  fail(error: unknown): void;
}

/**
 * At most `limit.current` calls of one downstream run at once, at most `maxQueue` wait; any other
 * call is refused at once with BulkheadRejectedError. There is no unbounded queue, ever.
 */
export class BulkheadPolicy implements Policy {
  private running = 0;
  private rejectedCount = 0;
  private readonly queue: Waiter[] = [];
  private readonly limit: ConcurrencyLimit;
  private readonly maxQueue: number;
  private readonly queueTimeoutMs: number;
  private readonly clock: Clock;
  private readonly rejectedEmitter = new EventEmitter<BulkheadRejected>();
  readonly onRejected = this.rejectedEmitter.event;

  constructor(
    readonly name: string,
    options: BulkheadOptions,
  ) {
    const problems: string[] = [];
    if (options.limit === undefined && !(Number.isInteger(options.maxConcurrent) && (options.maxConcurrent ?? 0) >= 1)) {
      problems.push(`maxConcurrent must be a whole number of at least 1 (got ${options.maxConcurrent})`);
    }
    const maxQueue = options.maxQueue ?? DEFAULT_BULKHEAD_MAX_QUEUE;
    if (!(Number.isInteger(maxQueue) && maxQueue >= 0)) problems.push(`maxQueue must be a whole number of at least 0 (got ${maxQueue})`);
    const queueTimeoutMs = options.queueTimeoutMs ?? DEFAULT_BULKHEAD_QUEUE_TIMEOUT_MS;
    if (!(queueTimeoutMs > 0)) problems.push(`queueTimeoutMs must be greater than 0 (got ${queueTimeoutMs})`);
    if (problems.length > 0) throw new InvalidConfigError(`bulkhead ${name}`, problems);
    this.limit = options.limit ?? fixedLimit(options.maxConcurrent ?? 1);
    this.maxQueue = maxQueue;
    this.queueTimeoutMs = queueTimeoutMs;
    this.clock = options.clock ?? systemClock;
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.queue.length;
  }

  get rejected(): number {
    return this.rejectedCount;
  }

  get currentLimit(): number {
    return this.limit.current;
  }

  execute<T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(notStartedReason(signal.reason));
    if (this.running < this.limit.current) return this.run(call, signal);
    if (this.queue.length >= this.maxQueue) return Promise.reject(this.reject('full'));
    const waitMs = Math.min(this.queueTimeoutMs, remainingMs(signal, this.clock));
    if (waitMs <= 0) return Promise.reject(this.reject('queue-timeout'));
    return new Promise<T>((resolve, reject) => {
      const leave = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
      };
      const waiter: Waiter = {
        start: () => {
          leave();
          this.run(call, signal).then(resolve, reject);
        },
        fail: (error) => {
          leave();
          reject(error);
        },
      };
      const timer = setTimeout(() => waiter.fail(this.reject('queue-timeout')), waitMs);
      const onAbort = (): void => waiter.fail(notStartedReason(signal?.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private async run<T>(call: ProtectedCall<T>, signal: AbortSignal | undefined): Promise<T> {
    this.running++;
    // Only an adaptive limit needs the latency; a fixed one saves two clock reads per call.
    const sample = this.limit.onSample?.bind(this.limit);
    const startedAt = sample === undefined ? 0 : this.clock.now();
    let failed = false;
    try {
      return await call(signal ?? NEVER_ABORTED);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      sample?.({ latencyMs: this.clock.now() - startedAt, failed, inFlight: this.running });
      this.running--;
      this.startWaiting();
    }
  }

  private startWaiting(): void {
    while (this.queue.length > 0 && this.running < this.limit.current) this.queue[0].start();
  }

  private reject(reason: BulkheadRejection): BulkheadRejectedError {
    this.rejectedCount++;
    if (this.rejectedEmitter.hasListeners) this.rejectedEmitter.emit({ bulkhead: this.name, reason, inFlight: this.running, queued: this.queue.length });
    return new BulkheadRejectedError(this.name, reason, this.limit.current);
  }
}

export const bulkhead = (name: string, options: BulkheadOptions): BulkheadPolicy => new BulkheadPolicy(name, options);
