import type { ProtectedCall } from '../breaker/breaker';
import { systemClock, type Clock } from '../clock';
import { remainingMs } from '../deadline/deadline';
import { BREAKER_OPEN } from '../errors/breaker-open.error';
import { InvalidConfigError } from '../errors/config.error';
import { RetryBudgetExhaustedError, RETRY_BUDGET_EXHAUSTED } from '../errors/retry-budget-exhausted.error';
import { EventEmitter } from '../events/event';
import { NEVER_ABORTED } from '../never-aborted';
import type { Policy } from '../policy/policy';
import { backoffDelayMs, type JitterKind } from './backoff';
import type { RetryBudget } from './retry-budget';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts?: number;
  baseMs?: number;
  capMs?: number;
  jitter?: JitterKind;
  /** Which errors are worth another attempt. */
  isRetryable?: (error: unknown) => boolean;
  /** Shared limit on retries; without one, only maxAttempts limits them. */
  budget?: RetryBudget;
  clock?: Clock;
  random?: () => number;
}

export const DEFAULT_RETRY_MAX_ATTEMPTS = 3;
export const DEFAULT_RETRY_BASE_MS = 100;
export const DEFAULT_RETRY_CAP_MS = 2_000;
export const DEFAULT_RETRY_JITTER: JitterKind = 'full';

const NOT_WORTH_RETRYING = new Set([BREAKER_OPEN, RETRY_BUDGET_EXHAUSTED]);

/** By default every error but an open breaker, a spent budget and a cancellation is retried. */
export const retryUnlessRefused = (error: unknown): boolean => {
  if (typeof error !== 'object' || error === null) return true;
  const { code, name } = error as { code?: unknown; name?: unknown };
  return !(typeof code === 'string' && NOT_WORTH_RETRYING.has(code)) && name !== 'AbortError';
};

export interface RetryScheduled {
  policy: string;
  /** The attempt about to be made (2 for the first retry). */
  attempt: number;
  delayMs: number;
  error: unknown;
}

/** The call succeeded; `attempts` 1 means without a retry. */
export interface RetrySucceeded {
  policy: string;
  attempts: number;
}

export type GiveUpReason = 'attempts' | 'not-retryable' | 'deadline' | 'budget' | 'aborted';

export interface RetryGivenUp {
  policy: string;
  attempts: number;
  reason: GiveUpReason;
  error: unknown;
}

/**
 * Retries with exponential backoff and jitter, never past the request's deadline, and only while
 * the retry budget allows: a failing downstream never sees a retry storm.
 */
export class RetryPolicy implements Policy {
  private readonly maxAttempts: number;
  private readonly backoff: { baseMs: number; capMs: number; jitter: JitterKind };
  private readonly isRetryable: (error: unknown) => boolean;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly retrying = new EventEmitter<RetryScheduled>();
  private readonly givingUp = new EventEmitter<RetryGivenUp>();
  private readonly succeeding = new EventEmitter<RetrySucceeded>();
  readonly onRetry = this.retrying.event;
  readonly onGiveUp = this.givingUp.event;
  /** With onGiveUp, every call ends in exactly one of the two: what "retry calls by kind" counts. */
  readonly onSuccess = this.succeeding.event;

  constructor(
    readonly name: string,
    private readonly options: RetryOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? DEFAULT_RETRY_MAX_ATTEMPTS;
    this.backoff = { baseMs: options.baseMs ?? DEFAULT_RETRY_BASE_MS, capMs: options.capMs ?? DEFAULT_RETRY_CAP_MS, jitter: options.jitter ?? DEFAULT_RETRY_JITTER };
    const problems: string[] = [];
    if (!(Number.isInteger(this.maxAttempts) && this.maxAttempts >= 1)) problems.push(`maxAttempts must be a whole number of at least 1 (got ${this.maxAttempts})`);
    if (!(this.backoff.baseMs > 0)) problems.push(`baseMs must be greater than 0 (got ${this.backoff.baseMs})`);
    if (!(this.backoff.capMs >= this.backoff.baseMs)) problems.push(`capMs must be at least baseMs (got ${this.backoff.capMs})`);
    if (this.backoff.jitter !== 'full' && this.backoff.jitter !== 'decorrelated') problems.push(`jitter must be 'full' or 'decorrelated' (got ${String(this.backoff.jitter)})`);
    if (problems.length > 0) throw new InvalidConfigError(`retry ${name}`, problems);
    this.isRetryable = options.isRetryable ?? retryUnlessRefused;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  async execute<T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T> {
    this.options.budget?.recordRequest();
    let previousDelay = this.backoff.baseMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await call(signal ?? NEVER_ABORTED);
        if (this.succeeding.hasListeners) this.succeeding.emit({ policy: this.name, attempts: attempt });
        return result;
      } catch (error) {
        const reason = this.refusal(attempt, error, signal);
        if (reason !== undefined) throw this.giveUp(attempt, reason, error);
        const delayMs = backoffDelayMs(this.backoff, attempt, previousDelay, this.random());
        previousDelay = delayMs;
        if (remainingMs(signal, this.clock) <= delayMs) throw this.giveUp(attempt, 'deadline', error);
        if (this.options.budget !== undefined && !(await this.options.budget.withdraw())) {
          throw this.giveUp(attempt, 'budget', new RetryBudgetExhaustedError(this.name, attempt, error));
        }
        if (this.retrying.hasListeners) this.retrying.emit({ policy: this.name, attempt: attempt + 1, delayMs, error });
        try {
          await sleep(delayMs, signal);
        } catch (abortReason) {
          // Cancelled while waiting to retry: as much a give-up as an abort seen after a failure.
          throw this.giveUp(attempt, 'aborted', abortReason);
        }
      }
    }
  }

  private refusal(attempt: number, error: unknown, signal: AbortSignal | undefined): GiveUpReason | undefined {
    if (signal?.aborted) return 'aborted';
    if (!this.isRetryable(error)) return 'not-retryable';
    if (attempt >= this.maxAttempts) return 'attempts';
    return undefined;
  }

  private giveUp(attempts: number, reason: GiveUpReason, error: unknown): unknown {
    if (this.givingUp.hasListeners) this.givingUp.emit({ policy: this.name, attempts, reason, error });
    return error;
  }
}

/** Waits, unless the signal aborts first (then rejects with its reason). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const retry = (name: string, options?: RetryOptions): RetryPolicy => new RetryPolicy(name, options);
