import { bulkhead, createLocalBreaker, fallback, LocalRetryBudget, MemoryCacheStore, ReadThroughCache, retry, timeout, wrap, EventEmitter, type BreakerMode, type ModeChange } from '@breakwater/resilience';
import { Registry } from 'prom-client';
import { MetricNames } from '../metric-names';
import { ResilienceMetrics } from './resilience-metrics';

const fail = (message: string) => async (): Promise<never> => {
  throw new Error(message);
};

async function valueOf(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('ResilienceMetrics', () => {
  it('counts a breaker’s calls by outcome, its refusals and its transitions, and reads its state when scraped', async () => {
    const registry = new Registry();
    const metrics = new ResilienceMetrics(registry);
    const breaker = createLocalBreaker('inventory', { minimumCalls: 2, failureRateThreshold: 0.5 });
    const binding = metrics.breaker(breaker);

    await breaker.execute(async () => 'ok');
    await expect(breaker.execute(fail('503'))).rejects.toThrow('503');
    await expect(breaker.execute(async () => 'never')).rejects.toMatchObject({ code: 'BREAKER_OPEN' });

    const name = 'inventory';
    expect(await valueOf(registry, MetricNames.breakerState, { name, state: 'OPEN' })).toBe(1);
    expect(await valueOf(registry, MetricNames.breakerState, { name, state: 'CLOSED' })).toBe(0);
    expect(await valueOf(registry, MetricNames.breakerCalls, { name, kind: 'successful', le: '+Inf' })).toBe(1);
    expect(await valueOf(registry, MetricNames.breakerCalls, { name, kind: 'failed', le: '+Inf' })).toBe(1);
    expect(await valueOf(registry, MetricNames.breakerNotPermitted, { name })).toBe(1);
    expect(await valueOf(registry, MetricNames.breakerTransitions, { name, from: 'CLOSED', to: 'OPEN' })).toBe(1);

    binding.dispose();
    expect(await valueOf(registry, MetricNames.breakerState, { name, state: 'OPEN' })).toBeUndefined();
    breaker.dispose();
  });

  it('counts retry calls by kind, timeouts, bulkhead rejections and fallbacks, and reads bulkhead occupancy when scraped', async () => {
    const registry = new Registry();
    const metrics = new ResilienceMetrics(registry);
    const retrying = retry('fraud', { maxAttempts: 2, baseMs: 1, capMs: 1 });
    const limiting = bulkhead('fraud', { maxConcurrent: 1 });
    const timing = timeout('fraud', 20);
    const answering = fallback('fraud', () => 'rules');
    metrics.retry(retrying);
    metrics.bulkhead(limiting);
    metrics.timeout(timing);
    metrics.fallback(answering);
    const chain = wrap(answering, retrying, limiting, timing);

    await chain.execute(async () => 'scored');
    let calls = 0;
    await chain.execute(async () => (++calls === 1 ? Promise.reject(new Error('503')) : 'scored'));
    await expect(wrap(retrying, timing).execute((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))))).rejects.toMatchObject({ code: 'TIMEOUT' });
    let release = (): void => undefined;
    const holding = limiting.execute(() => new Promise<void>((resolve) => (release = resolve)));
    expect(await valueOf(registry, MetricNames.bulkheadInFlight, { name: 'fraud' })).toBe(1);
    expect(await valueOf(registry, MetricNames.bulkheadAvailable, { name: 'fraud' })).toBe(0);
    await expect(chain.execute(async () => 'scored')).resolves.toBe('rules');
    release();
    await holding;

    expect(await valueOf(registry, MetricNames.retryCalls, { name: 'fraud', kind: 'successful_without_retry' })).toBe(1);
    expect(await valueOf(registry, MetricNames.retryCalls, { name: 'fraud', kind: 'successful_with_retry' })).toBe(1);
    expect(await valueOf(registry, MetricNames.retryCalls, { name: 'fraud', kind: 'failed_with_retry' })).toBe(2);
    expect(await valueOf(registry, MetricNames.timeouts, { name: 'fraud', limit: 'timeout' })).toBe(2);
    expect(await valueOf(registry, MetricNames.bulkheadRejected, { name: 'fraud', reason: 'full' })).toBe(2);
    expect(await valueOf(registry, MetricNames.fallbackCalls, { name: 'fraud' })).toBe(1);
    expect(await valueOf(registry, MetricNames.bulkheadMaxAllowed, { name: 'fraud' })).toBe(1);
  });

  it('reads what is left of a retry budget when scraped and counts the retries it refused', async () => {
    const registry = new Registry();
    const metrics = new ResilienceMetrics(registry);
    let nowMs = 0;
    // Starts with one token (the floor's worth); ten requests at 0.1 add another.
    const budget = new LocalRetryBudget('provider-a', { ratio: 0.1, minPerSecond: 1, maxTokens: 5 }, { now: () => nowMs });
    const retrying = retry('provider-a', { maxAttempts: 2, baseMs: 1, capMs: 1, budget });
    const bindings = [metrics.retry(retrying), metrics.retryBudget(budget)];
    const name = 'provider-a';
    expect(await valueOf(registry, MetricNames.retryBudgetAvailable, { name })).toBe(1);
    expect(await valueOf(registry, MetricNames.retryBudgetMax, { name })).toBe(5);
    expect(await valueOf(registry, MetricNames.retryBudgetRefused, { name })).toBe(0);

    // The first failing call spends the only token on its retry; the second finds none left.
    await expect(retrying.execute(fail('503'))).rejects.toThrow('503');
    expect(await valueOf(registry, MetricNames.retryBudgetAvailable, { name })).toBeCloseTo(0.1);
    await expect(retrying.execute(fail('503'))).rejects.toMatchObject({ code: 'RETRY_BUDGET_EXHAUSTED' });
    expect(await valueOf(registry, MetricNames.retryBudgetRefused, { name })).toBe(1);
    expect(await valueOf(registry, MetricNames.retryCalls, { name, kind: 'failed_with_retry' })).toBe(1);
    expect(await valueOf(registry, MetricNames.retryCalls, { name, kind: 'failed_without_retry' })).toBe(1);
    expect(await valueOf(registry, MetricNames.retryBudgetAvailable, { name })).toBeCloseTo(0.2);

    // The floor refills it, up to maxTokens, and the scrape sees it without any call.
    nowMs += 60_000;
    expect(await valueOf(registry, MetricNames.retryBudgetAvailable, { name })).toBe(5);

    bindings.forEach((b) => b.dispose());
    expect(await valueOf(registry, MetricNames.retryBudgetAvailable, { name })).toBeUndefined();
  });

  it('counts cache hits by freshness and misses, and shows the fleet mode with its switches', async () => {
    const registry = new Registry();
    const metrics = new ResilienceMetrics(registry);
    const cache = new ReadThroughCache<number>('stock', new MemoryCacheStore(), { freshMs: 60_000, staleMs: 0 });
    metrics.cache(cache);
    await cache.get('sku-1', async () => 3);
    await cache.get('sku-1', async () => 3);
    expect(await valueOf(registry, MetricNames.cacheMisses, { name: 'stock', kind: 'absent' })).toBe(1);
    expect(await valueOf(registry, MetricNames.cacheHits, { name: 'stock', freshness: 'fresh' })).toBe(1);

    const changes = new EventEmitter<ModeChange>();
    let local: string[] = [];
    const fleet = { mode: 'fleet' as BreakerMode, onModeChange: changes.event, list: () => [{ name: 'psp-a' }, { name: 'psp-b' }], localBreakers: () => local };
    metrics.fleet(fleet);
    expect(await valueOf(registry, MetricNames.fleetMode, { mode: 'fleet' })).toBe(1);
    expect(await valueOf(registry, MetricNames.fleetBreakerLocalMode, { name: 'psp-a' })).toBe(0);
    fleet.mode = 'local';
    local = ['psp-a'];
    changes.emit({ breaker: '*', mode: 'local' });
    expect(await valueOf(registry, MetricNames.fleetMode, { mode: 'local' })).toBe(1);
    expect(await valueOf(registry, MetricNames.fleetMode, { mode: 'fleet' })).toBe(0);
    expect(await valueOf(registry, MetricNames.fleetModeChanges, { mode: 'local' })).toBe(1);
    // Read when scraped: which breakers, not just whether any.
    expect(await valueOf(registry, MetricNames.fleetBreakerLocalMode, { name: 'psp-a' })).toBe(1);
    expect(await valueOf(registry, MetricNames.fleetBreakerLocalMode, { name: 'psp-b' })).toBe(0);
  });
});
