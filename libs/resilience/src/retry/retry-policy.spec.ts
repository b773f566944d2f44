import { registerDeadline, withDeadline, type RequestDeadline } from '../deadline/deadline';
import { BreakerOpenError } from '../errors/breaker-open.error';
import { InvalidConfigError } from '../errors/config.error';
import { isRetryBudgetExhaustedError, RETRY_BUDGET_EXHAUSTED, RetryBudgetExhaustedError } from '../errors/retry-budget-exhausted.error';
import { TimeoutError } from '../errors/timeout.error';
import { LocalRetryBudget } from './retry-budget';
import { retry, RetryPolicy, retryUnlessRefused, type RetryGivenUp, type RetryOptions, type RetryScheduled, type RetrySucceeded } from './retry-policy';
import { advance, clock, watch } from '../../test-support/fake-time';

/**
 * An inventory service that fails its first `failures` calls (each with its own error, "503 #n")
 * and then answers; `attempts` holds the (fake) time of each call.
 */
function inventory(failures: number, error: (n: number) => unknown = (n) => new Error(`503 #${n}`)): { call: (signal: AbortSignal) => Promise<string>; attempts: number[]; signals: AbortSignal[] } {
  const attempts: number[] = [];
  const signals: AbortSignal[] = [];
  return {
    attempts,
    signals,
    call: async (signal) => {
      attempts.push(Date.now());
      signals.push(signal);
      if (attempts.length <= failures) throw error(attempts.length);
      return 'in stock';
    },
  };
}

/** A retry policy with events recorded, and no randomness unless the test gives some. */
function inventoryRetry(options: RetryOptions = {}): { policy: RetryPolicy; retries: RetryScheduled[]; giveUps: RetryGivenUp[] } {
  const policy = retry('inventory', { maxAttempts: 4, baseMs: 100, capMs: 1_000, jitter: 'full', clock, random: () => 0.5, ...options });
  const retries: RetryScheduled[] = [];
  const giveUps: RetryGivenUp[] = [];
  policy.onRetry((r) => retries.push(r));
  policy.onGiveUp((g) => giveUps.push(g));
  return { policy, retries, giveUps };
}

const deadlines: RequestDeadline[] = [];

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});

afterEach(() => {
  for (const d of deadlines.splice(0)) d.dispose();
  jest.useRealTimers();
});

describe('RetryPolicy', () => {
  it('answers at once, with no event, when the first attempt succeeds', async () => {
    const service = inventory(0);
    const { policy, retries, giveUps } = inventoryRetry();

    await expect(policy.execute(service.call)).resolves.toBe('in stock');
    expect(service.attempts).toEqual([0]);
    expect([retries, giveUps]).toEqual([[], []]);
  });

  it('retries after full-jitter delays (0.5 of 100, 200, 400 ms) and answers with the attempt that succeeds', async () => {
    const service = inventory(3);
    const { policy, retries, giveUps } = inventoryRetry();

    const result = watch(policy.execute(service.call));
    await advance(349);
    expect(service.attempts).toEqual([0, 50, 150]);
    expect(result.settled).toBe(false);
    await advance(1);

    expect(result.value).toBe('in stock');
    expect(service.attempts).toEqual([0, 50, 150, 350]);
    expect(retries.map(({ attempt, delayMs }) => ({ attempt, delayMs }))).toEqual([
      { attempt: 2, delayMs: 50 },
      { attempt: 3, delayMs: 100 },
      { attempt: 4, delayMs: 200 },
    ]);
    expect((retries[2].error as Error).message).toBe('503 #3');
    expect(retries[0].policy).toBe('inventory');
    expect(giveUps).toEqual([]);
  });

  it('says how many attempts a call that succeeded took (onSuccess), once per call, and nothing for a call that gave up', async () => {
    const { policy } = inventoryRetry({ maxAttempts: 2 });
    const successes: RetrySucceeded[] = [];
    policy.onSuccess((s) => successes.push(s));

    await expect(policy.execute(inventory(0).call)).resolves.toBe('in stock');
    const second = watch(policy.execute(inventory(1).call));
    await advance(50);
    expect(second.value).toBe('in stock');
    const third = policy.execute(inventory(2).call);
    const failed = expect(third).rejects.toThrow('503 #2');
    await advance(50);
    await failed;

    expect(successes).toEqual([
      { policy: 'inventory', attempts: 1 },
      { policy: 'inventory', attempts: 2 },
    ]);
  });

  it('makes maxAttempts attempts in all, then gives up with the last error (reason attempts)', async () => {
    const service = inventory(10);
    const { policy, retries, giveUps } = inventoryRetry({ maxAttempts: 3 });

    const result = watch(policy.execute(service.call));
    await advance(10_000);

    expect(service.attempts).toEqual([0, 50, 150]);
    expect((result.error as Error).message).toBe('503 #3');
    expect(retries).toHaveLength(2);
    expect(giveUps).toEqual([{ policy: 'inventory', attempts: 3, reason: 'attempts', error: result.error }]);
  });

  it('with decorrelated jitter, draws each delay from [base, previous x 3)', async () => {
    const service = inventory(2);
    const { policy, retries } = inventoryRetry({ jitter: 'decorrelated' });

    const result = watch(policy.execute(service.call));
    await advance(550);

    expect(result.value).toBe('in stock');
    // 100 + 0.5 x (300 - 100) = 200, then 100 + 0.5 x (600 - 100) = 350
    expect(retries.map((r) => r.delayMs)).toEqual([200, 350]);
    expect(service.attempts).toEqual([0, 200, 550]);
  });

  it('hands every attempt the caller’s signal', async () => {
    const service = inventory(1);
    const { policy } = inventoryRetry();
    const controller = new AbortController();

    const result = watch(policy.execute(service.call, controller.signal));
    await advance(50);

    expect(result.value).toBe('in stock');
    expect(service.signals).toEqual([controller.signal, controller.signal]);
  });

  describe('does not retry errors not worth retrying', () => {
    it.each<[string, unknown]>([
      ['an open breaker', new BreakerOpenError('inventory', 'OPEN', 1_000)],
      ['a spent retry budget (from a retry further in)', new RetryBudgetExhaustedError('inner', 2, new Error('503'))],
      ['an open breaker from another process (code only)', { code: 'BREAKER_OPEN', message: 'from a job payload' }],
      ['a cancellation', Object.assign(new Error('aborted'), { name: 'AbortError' })],
    ])('%s: one attempt, given up as not-retryable', async (_name, refusal) => {
      const service = inventory(10, () => refusal);
      const { policy, retries, giveUps } = inventoryRetry();

      await expect(policy.execute(service.call)).rejects.toBe(refusal);

      expect(service.attempts).toEqual([0]);
      expect(retries).toEqual([]);
      expect(giveUps).toEqual([{ policy: 'inventory', attempts: 1, reason: 'not-retryable', error: refusal }]);
    });

    it('retries timeouts, plain errors and non-objects by default', () => {
      expect(retryUnlessRefused(new TimeoutError('inventory', 200, 'timeout'))).toBe(true);
      expect(retryUnlessRefused(new Error('503'))).toBe(true);
      expect(retryUnlessRefused('socket hang up')).toBe(true);
      expect(retryUnlessRefused(null)).toBe(true);
    });

    it('follows a custom isRetryable', async () => {
      const notFound = Object.assign(new Error('404'), { status: 404 });
      const service = inventory(10, () => notFound);
      const { policy, giveUps } = inventoryRetry({ isRetryable: (e) => (e as { status?: number }).status !== 404 });

      await expect(policy.execute(service.call)).rejects.toBe(notFound);
      expect(service.attempts).toEqual([0]);
      expect(giveUps[0].reason).toBe('not-retryable');
    });
  });

  describe('under a request deadline', () => {
    it('gives up, without waiting, as soon as the next delay would run past the deadline', async () => {
      const service = inventory(10);
      const { policy, retries, giveUps } = inventoryRetry();
      const request = withDeadline('checkout', 250, undefined, clock);
      deadlines.push(request);

      const result = watch(policy.execute(service.call, request.signal));
      await advance(150); // attempts at 0 and 50 fail with 250 and 200 ms left; the one at 150 leaves 100 < 200

      expect(service.attempts).toEqual([0, 50, 150]);
      expect(result.settled).toBe(true);
      expect((result.error as Error).message).toBe('503 #3');
      expect(retries).toHaveLength(2);
      expect(giveUps).toEqual([{ policy: 'inventory', attempts: 3, reason: 'deadline', error: result.error }]);
    });

    it('gives up when the delay would end exactly at the deadline', async () => {
      const service = inventory(10);
      const { policy, giveUps } = inventoryRetry();
      const signal = new AbortController().signal;
      registerDeadline(signal, 50); // the first delay is 50 ms: it would end with nothing left

      await expect(policy.execute(service.call, signal)).rejects.toThrow('503 #1');
      expect(service.attempts).toEqual([0]);
      expect(giveUps[0].reason).toBe('deadline');
    });
  });

  describe('with a retry budget', () => {
    it('throws RetryBudgetExhaustedError, its cause the last error, instead of retrying once the tokens are spent', async () => {
      const budget = new LocalRetryBudget('inventory', { ratio: 0, minPerSecond: 1, maxTokens: 10 }, clock); // one token to start
      const service = inventory(10);
      const { policy, retries, giveUps } = inventoryRetry({ budget });

      const result = watch(policy.execute(service.call));
      await advance(50);

      expect(service.attempts).toEqual([0, 50]);
      expect(retries).toHaveLength(1);
      const error = result.error;
      expect(error).toBeInstanceOf(RetryBudgetExhaustedError);
      expect(isRetryBudgetExhaustedError(error)).toBe(true);
      expect(error).toMatchObject({ code: RETRY_BUDGET_EXHAUSTED, policy: 'inventory', attempts: 2 });
      expect(((error as RetryBudgetExhaustedError).cause as Error).message).toBe('503 #2');
      expect(giveUps).toEqual([{ policy: 'inventory', attempts: 2, reason: 'budget', error }]);
    });

    it('records each request in the budget, so traffic pays for retries', async () => {
      const budget = new LocalRetryBudget('inventory', { ratio: 0.5, minPerSecond: 0, maxTokens: 10 }, clock);
      const { policy } = inventoryRetry({ budget });

      await policy.execute(inventory(0).call);
      await policy.execute(inventory(0).call);

      expect(budget.available).toBe(1);
      const service = inventory(1);
      const result = watch(policy.execute(service.call)); // deposits 0.5 more, spends 1
      await advance(50);
      expect(result.value).toBe('in stock');
      expect(budget.available).toBe(0.5);
    });

    it('leaves the budget alone when no retry is due', async () => {
      const budget = new LocalRetryBudget('inventory', { ratio: 0, minPerSecond: 1, maxTokens: 10 }, clock);
      const { policy } = inventoryRetry({ budget });

      await expect(policy.execute(inventory(10, () => new BreakerOpenError('inventory', 'OPEN', 1_000)).call)).rejects.toBeInstanceOf(BreakerOpenError);

      expect(budget.available).toBe(1);
    });
  });

  describe('cancellation', () => {
    it('stops during the backoff when the signal aborts: rejects with the reason, makes no further attempt, and says it gave up', async () => {
      const service = inventory(10);
      const { policy, giveUps } = inventoryRetry();
      const client = new AbortController();
      const hungUp = new Error('client hung up');

      const result = watch(policy.execute(service.call, client.signal));
      await advance(20); // inside the first 50 ms backoff
      client.abort(hungUp);
      await advance(0);

      expect(result.error).toBe(hungUp);
      await advance(10_000);
      expect(service.attempts).toEqual([0]);
      expect(giveUps).toEqual([{ policy: 'inventory', attempts: 1, reason: 'aborted', error: hungUp }]);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('does not retry an attempt that failed because the signal aborted', async () => {
      const client = new AbortController();
      const { policy, giveUps } = inventoryRetry();
      const attempts: number[] = [];

      await expect(
        policy.execute(async (signal) => {
          attempts.push(Date.now());
          client.abort(new Error('client hung up'));
          throw signal.reason;
        }, client.signal),
      ).rejects.toThrow('client hung up');

      expect(attempts).toEqual([0]);
      expect(giveUps[0]).toMatchObject({ attempts: 1, reason: 'aborted' });
    });
  });

  describe('refuses invalid options with InvalidConfigError', () => {
    it.each<[string, RetryOptions, string]>([
      ['maxAttempts 0', { maxAttempts: 0 }, 'maxAttempts must be a whole number of at least 1 (got 0)'],
      ['maxAttempts 2.5', { maxAttempts: 2.5 }, 'maxAttempts must be a whole number of at least 1 (got 2.5)'],
      ['baseMs 0', { baseMs: 0 }, 'baseMs must be greater than 0 (got 0)'],
      ['capMs below baseMs', { baseMs: 100, capMs: 50 }, 'capMs must be at least baseMs (got 50)'],
      ['unknown jitter', { jitter: 'equal' as unknown as RetryOptions['jitter'] }, "jitter must be 'full' or 'decorrelated' (got equal)"],
    ])('%s', (_name, options, problem) => {
      let error: unknown;
      try {
        new RetryPolicy('inventory', options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidConfigError);
      expect((error as InvalidConfigError).subject).toBe('retry inventory');
      expect((error as InvalidConfigError).problems).toEqual([problem]);
    });
  });
});
