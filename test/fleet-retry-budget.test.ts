// A fleet-wide retry budget over one real Redis: each "instance" is its own FleetRetryBudget with
// its own ioredis connection, as separate processes of the payment API would be.
import { once } from 'node:events';
import Redis from 'ioredis';
import { RETRY_BUDGET_EXHAUSTED, RetryBudgetExhaustedError, RetryPolicy, type RetryBudgetSettings } from '@breakwater/resilience';
import { createCoordinationRedis, createFleetRetryBudget, retryBudgetKey, type FleetRetryBudget } from '@breakwater/redis-store';
import { redisUrl, startRedisServer, uniquePrefix, type RedisServerHandle } from './support/redis-server';
import { nextTurn } from './support/wait-for';

const BUDGET = 'provider-a';
const INSTANCES = 5;
// Far below the Redis command timeout these instances use, and loose enough for a busy CI machine.
const FAST_MS = 150;

class ProviderDown extends Error {
  override readonly name = 'ProviderDown';
}

/** A downstream that is down: every call fails, after a genuine turn of the event loop. */
class FailingDownstream {
  calls = 0;

  readonly call = async (): Promise<never> => {
    this.calls++;
    await nextTurn();
    throw new ProviderDown('503 {"processed": false}');
  };
}

// ---------------------------------------------------------------------------------------------
// A fleet of budgets over one Redis, each with its own connection, closed after every test.

class BudgetFleet {
  readonly prefix = uniquePrefix('retry-budget');
  readonly budgets: FleetRetryBudget[] = [];
  private readonly connections: Redis[] = [];

  constructor(private readonly url: string = redisUrl()) {}

  async start(count: number, settings: Partial<RetryBudgetSettings>): Promise<FleetRetryBudget[]> {
    const started: FleetRetryBudget[] = [];
    for (let i = 0; i < count; i++) {
      const redis = createCoordinationRedis(this.url);
      redis.on('error', () => undefined);
      this.connections.push(redis);
      if (redis.status !== 'ready') await once(redis, 'ready');
      const budget = createFleetRetryBudget(BUDGET, { redis, keyPrefix: this.prefix, commandTimeoutMs: 1_000, ...settings });
      this.budgets.push(budget);
      started.push(budget);
    }
    return started;
  }

  /** The tokens left in the fleet's bucket, as Redis holds them. */
  async tokensInRedis(): Promise<number> {
    return Number(await this.connections[0].hget(retryBudgetKey(this.prefix, BUDGET), 'tokens'));
  }

  async close(): Promise<void> {
    for (const budget of this.budgets) budget.close();
    const cleaner = this.connections.find((c) => c.status === 'ready');
    // A connection to a Redis the test killed may still say 'ready' for a moment: cleanup is best effort.
    if (cleaner !== undefined) await cleaner.del(retryBudgetKey(this.prefix, BUDGET)).catch(() => undefined);
    for (const redis of this.connections) redis.disconnect();
  }
}

/** Every instance asks for `each` retries at once; resolves with how many each was granted. */
async function withdrawEverywhere(budgets: readonly FleetRetryBudget[], each: number): Promise<number[]> {
  return Promise.all(
    budgets.map(async (budget) => {
      const answers = await Promise.all(Array.from({ length: each }, () => budget.withdraw()));
      return answers.filter(Boolean).length;
    }),
  );
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

describe('a fleet-wide retry budget over one Redis', () => {
  let fleet: BudgetFleet;
  let server: RedisServerHandle | undefined;

  afterEach(async () => {
    await fleet.close();
    await server?.cleanup();
    server = undefined;
  });

  it('given five instances sharing one budget at ratio 0.1, when 137 requests arrive unevenly across them, then the fleet grants exactly 13 retries in all, however many instances ask', async () => {
    fleet = new BudgetFleet();
    const budgets = await fleet.start(INSTANCES, { ratio: 0.1, minPerSecond: 0 });
    const requestsPerInstance = [60, 40, 20, 12, 5];
    const requests = sum(requestsPerInstance);
    expect(requests).toBe(137);

    budgets.forEach((budget, i) => {
      for (let n = 0; n < requestsPerInstance[i]; n++) budget.recordRequest();
    });
    await Promise.all(budgets.map((b) => b.flush()));
    expect(await fleet.tokensInRedis()).toBeCloseTo(13.7, 6);

    // Every instance asks for ten retries, all at once: 50 asks for 13 tokens.
    const granted = await withdrawEverywhere(budgets, 10);
    expect(sum(granted)).toBe(Math.floor(requests * 0.1));

    // Spent is spent: a second round from everyone gets nothing more.
    expect(sum(await withdrawEverywhere(budgets, 3))).toBe(0);
    expect(await fleet.tokensInRedis()).toBeCloseTo(0.7, 6);
  });

  // Deposits are float shares (0.1 added ten times is 0.9999999999999999): an instance that has
  // earned exactly one retry must get it on its first ask, not on the one after (fixed in b5cba6b).
  it('given ten requests at ratio 0.1 on each of five instances, when each asks for one retry before a flush, then each is granted the retry it earned', async () => {
    fleet = new BudgetFleet();
    const budgets = await fleet.start(INSTANCES, { ratio: 0.1, minPerSecond: 0 });
    for (const budget of budgets) for (let n = 0; n < 10; n++) budget.recordRequest();

    // One at a time, so that each ask carries its own instance's deposit of ten requests.
    const granted: boolean[] = [];
    for (const budget of budgets) granted.push(await budget.withdraw());
    expect(granted).toEqual([true, true, true, true, true]);
  });

  it('given five instances retrying through RetryPolicy against a dead downstream, then the downstream sees at most requests x (1 + ratio) calls and callers get RetryBudgetExhaustedError once the budget is spent', async () => {
    const ratio = 0.1;
    const requestsPerInstance = 40;
    const maxAttempts = 3;
    fleet = new BudgetFleet();
    const budgets = await fleet.start(INSTANCES, { ratio, minPerSecond: 0 });
    const provider = new FailingDownstream();
    const policies = budgets.map((budget, i) => new RetryPolicy(`payments-${i}`, { maxAttempts, baseMs: 1, capMs: 5, budget }));

    // Every instance sends its requests four at a time, all instances at once.
    const errors: unknown[] = [];
    await Promise.all(
      policies.map(async (policy) => {
        for (let sent = 0; sent < requestsPerInstance; sent += 4) {
          const wave = Array.from({ length: 4 }, () => policy.execute(provider.call).catch((error: unknown) => errors.push(error)));
          await Promise.all(wave);
        }
      }),
    );

    const requests = INSTANCES * requestsPerInstance;
    const retries = provider.calls - requests;
    // Without a budget: requests x maxAttempts = 600 calls. With it: at most one retry per ten requests.
    expect(provider.calls).toBeLessThanOrEqual(Math.floor(requests * (1 + ratio)));
    expect(provider.calls).toBeLessThan(requests * maxAttempts);
    expect(retries).toBeGreaterThan(0);

    // Every request failed; the ones the budget refused say so, with the downstream's error as cause.
    expect(errors).toHaveLength(requests);
    const exhausted = errors.filter((e): e is RetryBudgetExhaustedError => e instanceof RetryBudgetExhaustedError);
    const downstream = errors.filter((e) => e instanceof ProviderDown);
    expect(exhausted.length + downstream.length).toBe(requests);
    expect(exhausted.length).toBeGreaterThanOrEqual(requests - retries);
    for (const error of exhausted) {
      expect(error.code).toBe(RETRY_BUDGET_EXHAUSTED);
      expect(error.cause).toBeInstanceOf(ProviderDown);
    }
  });

  it('given Redis is down, when an instance asks for a retry, then its local budget answers within 150 ms', async () => {
    server = await startRedisServer();
    fleet = new BudgetFleet(server.url);
    // ratio 0.5: ten requests earn five retries, with no rounding in the way.
    const [budget] = await fleet.start(1, { ratio: 0.5, minPerSecond: 0 });
    for (let n = 0; n < 10; n++) budget.recordRequest();
    await budget.flush();

    await server.kill();
    const answers: boolean[] = [];
    const durations: number[] = [];
    for (let n = 0; n < 7; n++) {
      const startedAt = performance.now();
      answers.push(await budget.withdraw());
      durations.push(performance.now() - startedAt);
    }
    expect(Math.max(...durations)).toBeLessThan(FAST_MS);
    // The local bucket was filled by the same requests all along: five retries, then no more.
    expect(answers).toEqual([true, true, true, true, true, false, false]);
  });
});
