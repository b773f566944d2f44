import type { Disposable } from '@breakwater/resilience';
import type { Registry } from 'prom-client';
import { disposeAll, type ObservedBreaker, type ObservedBulkhead, type ObservedCache, type ObservedFallback, type ObservedFleet, type ObservedRetry, type ObservedRetryBudget, type ObservedTimeout, type PolicyObserver } from '../policy-observer';
import { BreakerMetrics } from './breaker-metrics';
import { BulkheadMetrics } from './bulkhead-metrics';
import { CacheMetrics } from './cache-metrics';
import { CallMetrics } from './call-metrics';
import { FleetMetrics } from './fleet-metrics';
import { RetryBudgetMetrics } from './retry-budget-metrics';

/**
 * Every policy's Prometheus series on one registry (the app's, so `GET /metrics` shows them
 * beside its own). One per registry: a second would register the same names again, which
 * prom-client refuses.
 */
export class ResilienceMetrics implements PolicyObserver {
  private readonly breakers: BreakerMetrics;
  private readonly bulkheads: BulkheadMetrics;
  private readonly calls: CallMetrics;
  private readonly caches: CacheMetrics;
  private readonly fleets: FleetMetrics;
  private readonly budgets: RetryBudgetMetrics;

  constructor(registry: Registry) {
    this.breakers = new BreakerMetrics(registry);
    this.bulkheads = new BulkheadMetrics(registry);
    this.calls = new CallMetrics(registry);
    this.caches = new CacheMetrics(registry);
    this.fleets = new FleetMetrics(registry);
    this.budgets = new RetryBudgetMetrics(registry);
  }

  breaker(breaker: ObservedBreaker): Disposable {
    return this.breakers.bind(breaker);
  }

  bulkhead(bulkhead: ObservedBulkhead): Disposable {
    return this.bulkheads.bind(bulkhead);
  }

  retry(retry: ObservedRetry): Disposable {
    return disposeAll([this.calls.retry(retry), this.budgets.retry(retry)]);
  }

  retryBudget(budget: ObservedRetryBudget): Disposable {
    return this.budgets.budget(budget);
  }

  timeout(timeout: ObservedTimeout): Disposable {
    return this.calls.timeout(timeout);
  }

  fallback(fallback: ObservedFallback): Disposable {
    return this.calls.fallback(fallback);
  }

  cache(cache: ObservedCache): Disposable {
    return this.caches.bind(cache);
  }

  fleet(fleet: ObservedFleet): Disposable {
    return this.fleets.bind(fleet);
  }
}
