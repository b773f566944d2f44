import type { ProtectedCall } from '../breaker/breaker';
import { systemClock, type Clock } from '../clock';
import { deadlineOf, notStartedReason, registerDeadline } from '../deadline/deadline';
import { TimeoutError } from '../errors/timeout.error';
import { InvalidConfigError } from '../errors/config.error';
import { EventEmitter } from '../events/event';
import { canAbort } from '../never-aborted';
import type { Policy } from '../policy/policy';

export interface TimedOut {
  downstream: string;
  budgetMs: number;
  limit: 'timeout' | 'deadline';
}

/**
 * Gives each call the smaller of `timeoutMs` and what is left of the request's deadline, hands
 * it a signal that aborts when that runs out (so the work is cancelled, not merely abandoned),
 * and rejects with TimeoutError at that moment. A call whose budget is already spent is not
 * started.
 */
/** The longest delay a Node timer keeps (about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

export class TimeoutPolicy implements Policy {
  private readonly timedOut = new EventEmitter<TimedOut>();
  readonly onTimeout = this.timedOut.event;

  constructor(
    readonly downstream: string,
    readonly timeoutMs: number,
    private readonly clock: Clock = systemClock,
  ) {
    // Node fires a timer longer than 2^31 - 1 ms at once: such a timeout would time out every call.
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS)) {
      throw new InvalidConfigError(`timeout ${downstream}`, [`timeoutMs must be a number of milliseconds from 1 to ${MAX_TIMER_MS} (got ${timeoutMs})`]);
    }
  }

  execute<T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(notStartedReason(signal.reason));
    const now = this.clock.now();
    const own = now + this.timeoutMs;
    const inherited = deadlineOf(signal) ?? Number.POSITIVE_INFINITY;
    const limit = inherited < own ? 'deadline' : 'timeout';
    const deadline = Math.min(own, inherited);
    const budgetMs = deadline - now;
    if (budgetMs <= 0) return Promise.reject(this.fail(budgetMs, limit, false));

    const controller = new AbortController();
    registerDeadline(controller.signal, deadline);
    const parent = canAbort(signal) ? signal : undefined;
    return new Promise<T>((resolve, reject) => {
      // Whichever comes first (the call settling, the budget running out, the caller giving up)
      // settles the promise and removes the rest, so a call that hangs for ever leaks nothing.
      const finish = (): void => {
        clearTimeout(timer);
        parent?.removeEventListener('abort', onParentAbort);
      };
      const onParentAbort = (): void => {
        finish();
        // The request's deadline ran out: say so for this downstream, with the budget it had.
        const reason: unknown = limit === 'deadline' && this.clock.now() >= deadline ? this.fail(budgetMs, limit) : parent?.reason;
        controller.abort(reason);
        reject(reason);
      };
      const timer = setTimeout(() => {
        finish();
        const error = this.fail(budgetMs, limit);
        controller.abort(error);
        reject(error);
      }, budgetMs);
      parent?.addEventListener('abort', onParentAbort, { once: true });
      let started: Promise<T>;
      try {
        started = call(controller.signal);
      } catch (error) {
        finish();
        reject(error);
        return;
      }
      started.then(
        (value) => {
          finish();
          resolve(value);
        },
        (error: unknown) => {
          finish();
          reject(error);
        },
      );
    });
  }

  private fail(budgetMs: number, limit: 'timeout' | 'deadline', started = true): TimeoutError {
    const error = new TimeoutError(this.downstream, Math.max(0, budgetMs), limit, started);
    if (this.timedOut.hasListeners) this.timedOut.emit({ downstream: this.downstream, budgetMs: error.budgetMs, limit });
    return error;
  }
}

export const timeout = (downstream: string, timeoutMs: number, clock?: Clock): TimeoutPolicy => new TimeoutPolicy(downstream, timeoutMs, clock);
