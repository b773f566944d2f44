import { setMaxListeners } from 'node:events';
import { systemClock, type Clock } from '../clock';
import { TimeoutError } from '../errors/timeout.error';

/**
 * A deadline travels with the AbortSignal handed down a call chain: every signal made by
 * `withDeadline` or by a timeout policy is registered here with the time it expires (on the
 * process's monotonic clock), so a policy further down can ask how much of the budget is left.
 */
const deadlines = new WeakMap<AbortSignal, number>();

export function deadlineOf(signal: AbortSignal | undefined): number | undefined {
  return signal === undefined ? undefined : deadlines.get(signal);
}

/** Milliseconds left before the signal's deadline; Infinity when it has none. */
export function remainingMs(signal: AbortSignal | undefined, clock: Clock = systemClock): number {
  const deadline = deadlineOf(signal);
  return deadline === undefined ? Number.POSITIVE_INFINITY : deadline - clock.now();
}

export function registerDeadline(signal: AbortSignal, deadline: number): void {
  deadlines.set(signal, deadline);
}

export interface RequestDeadline {
  /** Hand this to every call made for the request. */
  readonly signal: AbortSignal;
  /** Stops the deadline's timer once the request is done. */
  dispose(): void;
}

/**
 * A request budget: the signal aborts with a TimeoutError when `budgetMs` has passed (or when
 * `parent` aborts), and every timeout below it gets at most what is left.
 */
export function withDeadline(name: string, budgetMs: number, parent?: AbortSignal, clock: Clock = systemClock): RequestDeadline {
  const controller = new AbortController();
  // Every downstream call of the request listens to this signal; a busy request is not a leak.
  setMaxListeners(0, controller.signal);
  const deadline = Math.min(clock.now() + budgetMs, deadlineOf(parent) ?? Number.POSITIVE_INFINITY);
  registerDeadline(controller.signal, deadline);
  const effectiveMs = Math.max(0, deadline - clock.now());
  // Node fires a timer longer than 2^31 - 1 ms at once; a budget that long is as good as none.
  const timer = setTimeout(() => controller.abort(new TimeoutError(name, effectiveMs, 'deadline')), Math.min(effectiveMs, 2_147_483_647));
  timer.unref?.();
  const onParentAbort = (): void => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/**
 * The reason to give for a call refused before it started because its signal had aborted: a
 * deadline's TimeoutError says "started" by default, but this call never reached its downstream,
 * and a caller deciding whether it may try elsewhere (a payment provider) must know that.
 */
export function notStartedReason(reason: unknown): unknown {
  return reason instanceof TimeoutError && reason.started ? new TimeoutError(reason.downstream, 0, reason.limit, false) : reason;
}
