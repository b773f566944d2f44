import { bulkhead, retry, timeout, wrap, type Disposable, type Policy } from '@breakwater/resilience';
import { createFleetRetryBudget, type FleetBreaker, type FleetRetryBudget, type RedisConnection } from '@breakwater/redis-store';
import { tracedCalls } from '@breakwater/telemetry';
import type { BreakwaterTelemetry, DownstreamSettings } from '../options/breakwater-options';

/** One downstream's chain and what must be undone with it. */
export interface BuiltChain {
  chain: Policy;
  budget: FleetRetryBudget | undefined;
  observed: Disposable[];
}

export interface ChainParts {
  name: string;
  settings: DownstreamSettings;
  breaker: FleetBreaker;
  redis: RedisConnection;
  keyPrefix: string;
  telemetry: BreakwaterTelemetry | undefined;
}

/**
 * `wrap(retry, breaker, bulkhead, timeout)`: retries outermost so each attempt asks the breaker
 * again; the timeout innermost so it bounds one attempt, not the wait for a bulkhead slot.
 */
export function buildChain(p: ChainParts): BuiltChain {
  const observer = p.telemetry?.observer;
  const observed: Disposable[] = [];
  const policies: Policy[] = [];
  let budget: FleetRetryBudget | undefined;
  if (p.settings.retry !== undefined) {
    const { fleetBudget = true, ...retrySettings } = p.settings.retry;
    if (fleetBudget !== false) budget = createFleetRetryBudget(p.name, { redis: p.redis, keyPrefix: p.keyPrefix, ...(fleetBudget === true ? {} : fleetBudget) });
    const retrying = retry(p.name, { ...retrySettings, budget });
    policies.push(retrying);
    if (observer !== undefined) observed.push(observer.retry(retrying));
    if (observer !== undefined && budget !== undefined) observed.push(observer.retryBudget(budget));
  }
  policies.push(p.breaker);
  if (observer !== undefined) observed.push(observer.breaker(p.breaker));
  if (p.settings.bulkhead !== undefined) {
    const limiting = bulkhead(p.name, p.settings.bulkhead);
    policies.push(limiting);
    if (observer !== undefined) observed.push(observer.bulkhead(limiting));
  }
  if (p.settings.timeoutMs !== undefined) {
    const timing = timeout(p.name, p.settings.timeoutMs);
    policies.push(timing);
    if (observer !== undefined) observed.push(observer.timeout(timing));
  }
  const chain = wrap(...policies);
  return { chain: p.telemetry?.traceCalls === true ? tracedCalls({ downstream: p.name, chain, breaker: p.breaker }) : chain, budget, observed };
}
