import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Queue } from 'bullmq';
import { timeout } from '@breakwater/resilience';

export const DEFAULT_QUEUE_COUNT_TIMEOUT_MS = 1_000;

/** What the indicator reads of a BullMQ queue (a Queue, or anything with the same two members). */
export type CountedQueue = Pick<Queue, 'name' | 'getJobCounts'>;

export interface QueueHealthLimits {
  /** Down when a queue has more jobs waiting than this (a backlog its workers are not draining). */
  maxWaiting?: number;
  /** Down when a queue holds more failed jobs than this. */
  maxFailed?: number;
  timeoutMs?: number;
}

/** Terminus indicator over BullMQ queues: their counts can be read in time, and stay within limits. */
@Injectable()
export class QueueHealthIndicator {
  constructor(@Inject(HealthIndicatorService) private readonly health: HealthIndicatorService) {}

  async countsCheck<const Key extends string>(key: Key, queues: readonly CountedQueue[], limits: QueueHealthLimits = {}): Promise<HealthIndicatorResult<Key>> {
    const check = this.health.check(key);
    const timeoutMs = limits.timeoutMs ?? DEFAULT_QUEUE_COUNT_TIMEOUT_MS;
    const details: Record<string, { waiting?: number; active?: number; failed?: number; delayed?: number; error?: string }> = {};
    let healthy = true;
    await Promise.all(
      queues.map(async (queue) => {
        try {
          const c = await timeout(queue.name, timeoutMs).execute(() => queue.getJobCounts('waiting', 'active', 'failed', 'delayed'));
          const waiting = c.waiting ?? 0;
          const failed = c.failed ?? 0;
          details[queue.name] = { waiting, active: c.active ?? 0, failed, delayed: c.delayed ?? 0 };
          if ((limits.maxWaiting !== undefined && waiting > limits.maxWaiting) || (limits.maxFailed !== undefined && failed > limits.maxFailed)) healthy = false;
        } catch (error) {
          details[queue.name] = { error: (error as Error).message };
          healthy = false;
        }
      }),
    );
    return healthy ? check.up(details) : check.down(details);
  }
}
