import { performance } from 'node:perf_hooks';
import { LocalRetryBudget, resolveRetryBudgetSettings, type RetryBudget, type RetryBudgetSettings } from '@breakwater/resilience';
import { checkKeyPrefix, retryBudgetKey } from './keys';
import { sendWithin } from './redis-command';
import { defineScript, type RedisConnection, type ScriptCall } from './script-loader';

export interface FleetRetryBudgetOptions extends Partial<RetryBudgetSettings> {
  redis: RedisConnection;
  keyPrefix?: string;
  /** Deposits are sent at most this late (with the next withdrawal, or on this tick). */
  flushIntervalMs?: number;
  commandTimeoutMs?: number;
}

export const DEFAULT_RETRY_BUDGET_FLUSH_MS = 100;
export const DEFAULT_RETRY_BUDGET_COMMAND_TIMEOUT_MS = 100;

/**
 * One retry budget for the whole fleet, a token bucket in Redis (spend-retry-budget-1.lua):
 * every instance's requests fill it, every instance's retries drain it, so however many instances
 * there are, retries add at most `ratio` of the fleet's requests plus `minPerSecond`. Requests are
 * counted locally and deposited in batches; only a retry waits for Redis. While Redis does not
 * answer, a local bucket with the same settings decides (kept filled all along).
 */
export class FleetRetryBudget implements RetryBudget {
  readonly settings: Readonly<RetryBudgetSettings>;
  private readonly key: string;
  private readonly spend: ScriptCall;
  private readonly local: LocalRetryBudget;
  private readonly commandTimeoutMs: number;
  private pendingDeposit = 0;
  /** The bucket as Redis last answered; undefined while the local bucket decides. */
  private fleetView: { tokens: number; seenAtMs: number } | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly name: string,
    private readonly options: FleetRetryBudgetOptions,
  ) {
    const { redis: _redis, keyPrefix = '', flushIntervalMs, commandTimeoutMs, ...settings } = options;
    this.settings = resolveRetryBudgetSettings(name, settings);
    checkKeyPrefix(keyPrefix);
    this.key = retryBudgetKey(keyPrefix, name);
    this.local = new LocalRetryBudget(name, this.settings);
    this.commandTimeoutMs = commandTimeoutMs ?? DEFAULT_RETRY_BUDGET_COMMAND_TIMEOUT_MS;
    this.spend = defineScript(options.redis, { file: 'spend-retry-budget-1.lua' });
    this.timer = setInterval(() => void this.flush(), flushIntervalMs ?? DEFAULT_RETRY_BUDGET_FLUSH_MS);
    this.timer.unref();
  }

  /**
   * Tokens left as this instance last saw the fleet's bucket, plus the floor's refill since (other
   * instances' deposits and retries show at its next call), or the local bucket's while it decides.
   * For metrics: a retry always asks Redis.
   */
  get available(): number {
    const view = this.fleetView;
    if (view === undefined) return this.local.available;
    const refill = ((performance.now() - view.seenAtMs) / 1000) * this.settings.minPerSecond;
    return Math.min(this.settings.maxTokens, view.tokens + refill);
  }

  recordRequest(): void {
    this.pendingDeposit += this.settings.ratio;
    this.local.recordRequest();
  }

  async withdraw(): Promise<boolean> {
    try {
      return await this.send(true);
    } catch {
      return this.local.tryWithdraw();
    }
  }

  /** Sends the deposits counted so far. */
  async flush(): Promise<void> {
    if (this.pendingDeposit === 0) return;
    await this.send(false).catch(() => undefined);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async send(withdraw: boolean): Promise<boolean> {
    const deposit = this.pendingDeposit;
    this.pendingDeposit = 0;
    try {
      const reply = await sendWithin(this.options.redis, this.commandTimeoutMs, () =>
        this.spend([this.key], [deposit, withdraw ? 1 : 0, this.settings.minPerSecond, this.settings.maxTokens]),
      );
      if (!Array.isArray(reply)) return false;
      const tokens = Number(reply[1]);
      this.fleetView = Number.isFinite(tokens) ? { tokens, seenAtMs: performance.now() } : undefined;
      return Number(reply[0]) === 1;
    } catch (error) {
      this.fleetView = undefined;
      // Not known to have arrived: deposit again later rather than lose the fleet's share. (If it
      // did arrive, the bucket gets a share twice, which only errs toward one more retry.)
      this.pendingDeposit += deposit;
      throw error;
    }
  }
}

export const createFleetRetryBudget = (name: string, options: FleetRetryBudgetOptions): FleetRetryBudget => new FleetRetryBudget(name, options);
