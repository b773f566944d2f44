// Given two instances sharing one fleet retry budget over a real Redis, the retry budget gauge of
// each shows the bucket as Redis last answered that instance (another instance's retries appear at
// its next call), and the local bucket's tokens while Redis does not answer.
import { once } from 'node:events';
import type Redis from 'ioredis';
import { Registry } from 'prom-client';
import { createCoordinationRedis, createFleetRetryBudget, retryBudgetKey, type FleetRetryBudget } from '@breakwater/redis-store';
import { MetricNames, ResilienceMetrics } from '@breakwater/telemetry';
import { redisUrl, uniquePrefix } from '../support/redis-server';

const BUDGET = 'provider-a';
// No floor: the tokens come from requests alone, so the numbers do not move with the clock.
const SETTINGS = { ratio: 0.5, minPerSecond: 0, maxTokens: 10 };

interface Instance {
  redis: Redis;
  budget: FleetRetryBudget;
  registry: Registry;
}

async function available(instance: Instance): Promise<number | undefined> {
  const values = (await instance.registry.getSingleMetric(MetricNames.retryBudgetAvailable)?.get())?.values ?? [];
  return values.find((v) => v.labels.name === BUDGET)?.value;
}

describe('retry budget left on a fleet retry budget', () => {
  const prefix = uniquePrefix('budget-metrics');
  const instances: Instance[] = [];

  async function startInstance(): Promise<Instance> {
    const redis = createCoordinationRedis(redisUrl());
    redis.on('error', () => undefined);
    if (redis.status !== 'ready') await once(redis, 'ready');
    const budget = createFleetRetryBudget(BUDGET, { redis, keyPrefix: prefix, commandTimeoutMs: 1_000, ...SETTINGS });
    const registry = new Registry();
    new ResilienceMetrics(registry).retryBudget(budget);
    const instance = { redis, budget, registry };
    instances.push(instance);
    return instance;
  }

  afterAll(async () => {
    // The test disconnects one connection, which may still say 'ready' for a moment: the first
    // connection that takes the DEL cleans up.
    for (const i of instances) {
      if (await i.redis.del(retryBudgetKey(prefix, BUDGET)).then(() => true, () => false)) break;
    }
    for (const i of instances) {
      i.budget.close();
      i.redis.disconnect();
    }
  });

  it('shows the tokens each instance last saw in Redis, then the local bucket while Redis is gone', async () => {
    const a = await startInstance();
    const b = await startInstance();
    expect(await available(a)).toBe(0);
    expect((await a.registry.getSingleMetric(MetricNames.retryBudgetMax)?.get())?.values).toEqual([{ labels: { name: BUDGET }, value: 10 }]);

    // Four requests on a at 0.5 a token each: two tokens in the fleet's bucket.
    for (let i = 0; i < 4; i++) a.budget.recordRequest();
    await a.budget.flush();
    expect(await available(a)).toBeCloseTo(2);

    // b spends both: b sees an empty bucket at once, a at its next call to Redis.
    expect(await b.budget.withdraw()).toBe(true);
    expect(await b.budget.withdraw()).toBe(true);
    expect(await available(b)).toBeCloseTo(0);
    expect(await available(a)).toBeCloseTo(2);
    expect(await a.budget.withdraw()).toBe(false);
    expect(await available(a)).toBeCloseTo(0);

    // Redis gone for a: its local bucket decides (it kept a's own deposits), and the gauge says so.
    a.redis.disconnect();
    expect(await a.budget.withdraw()).toBe(true);
    expect(await available(a)).toBeCloseTo(1);
  });
});
