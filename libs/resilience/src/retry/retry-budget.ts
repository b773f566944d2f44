import { systemClock, type Clock } from '../clock';
import { InvalidConfigError } from '../errors/config.error';

/**
 * Limits retries to a share of requests: every first attempt deposits `ratio` of a token, every
 * retry takes one whole token, and `minPerSecond` tokens a second trickle in so that low traffic
 * can still retry. A fleet-wide implementation lives in @breakwater/redis-store.
 */
export interface RetryBudget {
  /** A first attempt was made. */
  recordRequest(): void;
  /** Takes a token for a retry; false when the budget is spent. Never waits long. */
  withdraw(): Promise<boolean>;
}

export interface RetryBudgetSettings {
  /** Retries may add at most this share of requests (0.1: ten retries per hundred requests). */
  ratio: number;
  /** Tokens added every second whatever the traffic. */
  minPerSecond: number;
  /** The most tokens that can be saved up (bounds a retry burst after a quiet period). */
  maxTokens: number;
}

export const DEFAULT_RETRY_BUDGET: Readonly<RetryBudgetSettings> = Object.freeze({ ratio: 0.1, minPerSecond: 1, maxTokens: 100 });

export function resolveRetryBudgetSettings(name: string, partial: Partial<RetryBudgetSettings> = {}): Readonly<RetryBudgetSettings> {
  const s = { ...DEFAULT_RETRY_BUDGET, ...partial };
  const problems: string[] = [];
  if (!(s.ratio >= 0 && s.ratio <= 1)) problems.push(`ratio must lie between 0 and 1 (got ${s.ratio})`);
  if (!(s.minPerSecond >= 0 && Number.isFinite(s.minPerSecond))) problems.push(`minPerSecond must be at least 0 (got ${s.minPerSecond})`);
  if (!(s.maxTokens >= 1 && Number.isFinite(s.maxTokens))) problems.push(`maxTokens must be at least 1 (got ${s.maxTokens})`);
  if (problems.length > 0) throw new InvalidConfigError(`retry budget ${name}`, problems);
  return Object.freeze(s);
}

// Fractional deposits add up a hair short in floating point (0.1 ten times is 0.9999999999999999):
// ten requests at ratio 0.1 must still pay for one retry.
const WHOLE_TOKEN = 1 - 1e-9;

/** The token bucket in one process. */
export class LocalRetryBudget implements RetryBudget {
  private tokens: number;
  private refilledAt: number;
  readonly settings: Readonly<RetryBudgetSettings>;

  constructor(
    readonly name: string,
    settings: Partial<RetryBudgetSettings> = {},
    private readonly clock: Clock = systemClock,
  ) {
    this.settings = resolveRetryBudgetSettings(name, settings);
    // Start with the floor's worth, not a full bucket: a fresh instance must not burst.
    this.tokens = Math.min(this.settings.maxTokens, this.settings.minPerSecond);
    this.refilledAt = clock.now();
  }

  /** Tokens in the bucket now (a retry takes a whole one). */
  get available(): number {
    this.refill();
    return this.tokens;
  }

  recordRequest(): void {
    this.deposit(this.settings.ratio);
  }

  /** Adds tokens (a fleet budget hands its local fallback the deposits it could not send). */
  deposit(tokens: number): void {
    this.refill();
    this.tokens = Math.min(this.settings.maxTokens, this.tokens + tokens);
  }

  withdraw(): Promise<boolean> {
    return Promise.resolve(this.tryWithdraw());
  }

  tryWithdraw(): boolean {
    this.refill();
    if (this.tokens < WHOLE_TOKEN) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = now - this.refilledAt;
    if (elapsed > 0) {
      this.tokens = Math.min(this.settings.maxTokens, this.tokens + (elapsed / 1000) * this.settings.minPerSecond);
      this.refilledAt = now;
    }
  }
}
