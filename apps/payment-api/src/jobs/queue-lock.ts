import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { RedisConnection } from '@breakwater/redis-store';
import { defineScript, type ScriptCall } from '@breakwater/redis-store';

/** Longer than any one bury or replay page takes; a holder that dies frees the lock after it. */
export const QUEUE_LOCK_MS = 30_000;
const RETRY_MS = 25;
const GIVE_UP_MS = 10_000;

export class QueueLockBusyError extends Error {
  readonly code = 'QUEUE_LOCK_BUSY';

  constructor(readonly key: string) {
    super(`${key} stayed locked for ${GIVE_UP_MS} ms`);
    this.name = 'QueueLockBusyError';
  }
}

/**
 * A short lock that lets one instance at a time move jobs between a queue and its dead-letter
 * queue: a sweep burying a job and a replay putting the same id back must not interleave, or the
 * sweep's remove could delete the replayed job. An efficiency-and-safety lock with a lease; the
 * moves themselves are safe to repeat.
 */
export class QueueLock {
  private readonly release: ScriptCall;

  constructor(
    private readonly redis: RedisConnection,
    private readonly key: string,
  ) {
    this.release = defineScript(redis, { file: 'release-queue-lock-1.lua', dir: join(__dirname, 'lua') });
  }

  /**
   * Runs `work` if the lock is free now, else returns `busy` at once (another instance is doing
   * the same work: for work that is only worth doing by one, and harmless if done twice).
   */
  async tryExclusively<T, B>(work: () => Promise<T>, busy: B): Promise<T | B> {
    const token = randomUUID();
    if ((await this.redis.set(this.key, token, 'PX', QUEUE_LOCK_MS, 'NX')) !== 'OK') return busy;
    try {
      return await work();
    } finally {
      await this.release([this.key], [token]).catch(() => undefined);
    }
  }

  async exclusively<T>(work: () => Promise<T>): Promise<T> {
    const token = randomUUID();
    const giveUpAt = Date.now() + GIVE_UP_MS;
    while ((await this.redis.set(this.key, token, 'PX', QUEUE_LOCK_MS, 'NX')) !== 'OK') {
      if (Date.now() > giveUpAt) throw new QueueLockBusyError(this.key);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
    try {
      return await work();
    } finally {
      await this.release([this.key], [token]).catch(() => undefined);
    }
  }
}
