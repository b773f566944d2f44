import type { Clock } from '../clock';
import { InvalidConfigError } from '../errors/config.error';
import { DEFAULT_RETRY_BUDGET, LocalRetryBudget, resolveRetryBudgetSettings, type RetryBudgetSettings } from './retry-budget';

/** A clock the test moves by hand. */
function manualClock(): Clock & { tick(ms: number): void } {
  let now = 0;
  return { now: () => now, tick: (ms) => (now += ms) };
}

describe('LocalRetryBudget', () => {
  it('starts with the floor’s worth of tokens only, not a full bucket', () => {
    const clock = manualClock();
    const budget = new LocalRetryBudget('payments', { ratio: 0.1, minPerSecond: 2, maxTokens: 100 }, clock);

    expect(budget.available).toBe(2);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
  });

  it('each request deposits ratio of a token: ten requests at 0.1 pay for one retry', () => {
    const clock = manualClock();
    const budget = new LocalRetryBudget('payments', { ratio: 0.1, minPerSecond: 0, maxTokens: 100 }, clock);
    expect(budget.available).toBe(0);

    for (let i = 0; i < 9; i++) budget.recordRequest();
    expect(budget.tryWithdraw()).toBe(false);

    budget.recordRequest(); // the tenth: 0.1 ten times is 0.9999999999999999 in floating point, and must still pay
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
    expect(budget.available).toBe(0);
  });

  it('trickles in minPerSecond tokens a second whatever the traffic, so a quiet service can still retry', async () => {
    const clock = manualClock();
    const budget = new LocalRetryBudget('payments', { ratio: 0.1, minPerSecond: 1, maxTokens: 100 }, clock);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);

    clock.tick(500);
    expect(budget.available).toBeCloseTo(0.5);
    expect(budget.tryWithdraw()).toBe(false);

    clock.tick(500);
    await expect(budget.withdraw()).resolves.toBe(true);
    await expect(budget.withdraw()).resolves.toBe(false);
  });

  it('never saves up more than maxTokens, from the trickle or from deposits', () => {
    const clock = manualClock();
    const budget = new LocalRetryBudget('payments', { ratio: 0.5, minPerSecond: 1, maxTokens: 3 }, clock);

    clock.tick(60_000);
    expect(budget.available).toBe(3);
    for (let i = 0; i < 10; i++) budget.recordRequest();
    expect(budget.available).toBe(3);

    let retries = 0;
    while (budget.tryWithdraw()) retries++;
    expect(retries).toBe(3);
  });

  it('starts with maxTokens when the floor is larger than the bucket', () => {
    const budget = new LocalRetryBudget('payments', { minPerSecond: 10, maxTokens: 4 }, manualClock());
    expect(budget.available).toBe(4);
  });

  it('deposit adds tokens handed over from elsewhere, within the cap', () => {
    const budget = new LocalRetryBudget('payments', { minPerSecond: 0, maxTokens: 5 }, manualClock());

    budget.deposit(2);
    expect(budget.available).toBe(2);
    budget.deposit(10);
    expect(budget.available).toBe(5);
  });

  it('uses the defaults for what is not given', () => {
    expect(new LocalRetryBudget('payments', {}, manualClock()).settings).toEqual({ ratio: 0.1, minPerSecond: 1, maxTokens: 100 });
    expect(DEFAULT_RETRY_BUDGET).toEqual({ ratio: 0.1, minPerSecond: 1, maxTokens: 100 });
  });

  describe('refuses invalid settings with InvalidConfigError', () => {
    it.each<[string, Partial<RetryBudgetSettings>, string]>([
      ['ratio above 1', { ratio: 1.5 }, 'ratio must lie between 0 and 1 (got 1.5)'],
      ['negative ratio', { ratio: -0.1 }, 'ratio must lie between 0 and 1 (got -0.1)'],
      ['negative minPerSecond', { minPerSecond: -1 }, 'minPerSecond must be at least 0 (got -1)'],
      ['infinite minPerSecond', { minPerSecond: Number.POSITIVE_INFINITY }, 'minPerSecond must be at least 0 (got Infinity)'],
      ['maxTokens below 1', { maxTokens: 0.5 }, 'maxTokens must be at least 1 (got 0.5)'],
    ])('%s', (_name, settings, problem) => {
      let error: unknown;
      try {
        resolveRetryBudgetSettings('payments', settings);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidConfigError);
      expect((error as InvalidConfigError).subject).toBe('retry budget payments');
      expect((error as InvalidConfigError).problems).toEqual([problem]);
      expect(() => new LocalRetryBudget('payments', settings)).toThrow(InvalidConfigError);
    });
  });
});
