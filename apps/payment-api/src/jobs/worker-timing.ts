/**
 * Lock and stall-check timing of every worker: how soon a job whose worker died (SIGKILL, power
 * loss) runs again elsewhere.
 *
 * A worker holds a lock of `lockDuration` (config.jobLockMs, default 5 s) on each running job and
 * renews it every lockDuration/2. Every `stalledInterval` one worker of the fleet (BullMQ's
 * stalled-check key) moves active jobs that were already marked at the previous check and whose
 * lock is gone back to wait, and marks the active ones for the next check. After a SIGKILL the
 * lock lapses within lockDuration, and the next check after that moves the job:
 *
 *   recovery <= jobLockMs + stalledInterval = 1.5 x jobLockMs   (7.5 s with the default 5 s)
 *
 * plus the time to run the job again; BullMQ's defaults (30 s and 30 s) would take up to a
 * minute. A job is retried after at most two such stalls in a row (`maxStalledCount`), then it
 * fails and goes to its dead-letter queue: a job that kills its worker every time is not
 * retried forever.
 */
export const MAX_STALLED_COUNT = 2;

export interface WorkerTiming {
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
}

export function workerTiming(jobLockMs: number): WorkerTiming {
  return { lockDuration: jobLockMs, stalledInterval: Math.max(500, Math.round(jobLockMs / 2)), maxStalledCount: MAX_STALLED_COUNT };
}

/** The longest a SIGKILLed worker's job waits before it runs again, by the reasoning above. */
export const worstRecoveryMs = (jobLockMs: number): number => {
  const t = workerTiming(jobLockMs);
  return t.lockDuration + t.stalledInterval;
};
