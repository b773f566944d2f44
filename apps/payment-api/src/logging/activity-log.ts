import { BreakerState, type Breaker, type Disposable, type Event, type StateChange } from '@breakwater/resilience';
import type { DeadLettered } from '../jobs/dead-letter-queue';
import { logLocalMode, type ObservedModes } from './local-mode-log';
import type { OperatorLog } from './operator-log';

/** What an instance announces that an operator should see happen. */
export interface ActivitySources {
  breakers: readonly Pick<Breaker, 'onStateChange'>[];
  /** The fleet breakers' switch between deciding with Redis and deciding alone, as a whole and per breaker. */
  fleet: ObservedModes;
  jobs: { onDeadLetter: Event<DeadLettered> };
}

/** States in which a breaker refuses calls: worth a warning, where a recovery is news. */
const REFUSING: readonly BreakerState[] = [BreakerState.OPEN, BreakerState.FORCED_OPEN];

/**
 * Binds the libraries' typed events to one log line each: breaker transitions, local-mode
 * switches, dead letters. Admin actions are logged where they happen (admin-action.ts).
 * Disposing stops every subscription.
 */
export function logActivity(log: OperatorLog, sources: ActivitySources): Disposable {
  const subscriptions: Disposable[] = [
    ...sources.breakers.map((b) => b.onStateChange((change) => logTransition(log, change))),
    logLocalMode(log, sources.fleet),
    sources.jobs.onDeadLetter((letter) =>
      log.warn('dead-letter', `job ${letter.jobId} of ${letter.queue} moved to its dead-letter queue`, { queue: letter.queue, job: letter.jobId, attempts: letter.attempts, lastError: letter.lastError }),
    ),
  ];
  return { dispose: () => subscriptions.forEach((s) => s.dispose()) };
}

function logTransition(log: OperatorLog, c: StateChange): void {
  const line = `${c.breaker} ${c.from} -> ${c.to}`;
  const fields = { reason: c.reason, version: c.version, mode: c.mode };
  if (REFUSING.includes(c.to)) log.warn('breaker', line, fields);
  else log.info('breaker', line, fields);
}
