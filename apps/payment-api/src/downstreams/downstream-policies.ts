import { bulkhead, neverReachedDownstream, retry, retryUnlessRefused, timeout, wrap, type Disposable, type Policy } from '@breakwater/resilience';
import { tracedCalls } from '@breakwater/telemetry';
import { createFleetBreakers, createFleetRetryBudget, type FleetBreaker, type FleetBreakers, type FleetRetryBudget } from '@breakwater/redis-store';
import type { AppConfig } from '../config/app-config';
import { DOWNSTREAMS, PROVIDERS, type DownstreamName } from '../config/downstream-config';
import type { RedisConnections } from '../infra/redis-connections';
import type { PolicyTelemetry } from '../telemetry/policy-telemetry';
import { certainlyNotProcessed, isSendFencedError } from './downstream-errors';

const isProvider = (name: DownstreamName): boolean => (PROVIDERS as readonly string[]).includes(name);

/**
 * Every downstream's policy chain, `wrap(retry, breaker, bulkhead, timeout)`, built once from the
 * settings file. The breakers are the fleet's; so are the retry budgets. With telemetry, every
 * policy is bound to its metrics (and spans), and with tracing on each chain is wrapped in a span.
 */
export class DownstreamPolicies {
  readonly fleet: FleetBreakers;
  private readonly chains = new Map<DownstreamName, Policy>();
  private readonly budgets: FleetRetryBudget[] = [];
  private readonly observed: Disposable[] = [];

  constructor(config: AppConfig, redis: RedisConnections, telemetry?: PolicyTelemetry) {
    this.fleet = createFleetBreakers({ redis: redis.coordination, instanceId: config.instanceId, keyPrefix: config.keyPrefix });
    const observer = telemetry?.observer;
    if (observer !== undefined) this.observed.push(observer.fleet(this.fleet));
    for (const name of DOWNSTREAMS) {
      const s = config.downstreams[name];
      // The breaker's default isIgnored already leaves out a full local bulkhead and a deadline
      // spent before the call started: this instance's trouble, not the downstream's.
      // A provider's retried send that its fence refused never reached the provider either.
      const breaker = this.fleet.get(name, isProvider(name) ? { ...s.breaker, isIgnored: (e) => neverReachedDownstream(e) || isSendFencedError(e) } : s.breaker);
      const budget = createFleetRetryBudget(name, { redis: redis.coordination, keyPrefix: config.keyPrefix });
      this.budgets.push(budget);
      const retrying = retry(name, {
        ...s.retry,
        budget,
        // A provider is retried only when it certainly did not charge: the same idempotency key
        // would protect a retry after a timeout too, but a hung provider would eat the deadline.
        isRetryable: isProvider(name) ? (e) => retryUnlessRefused(e) && certainlyNotProcessed(e) : retryUnlessRefused,
      });
      const limiting = bulkhead(name, { maxConcurrent: s.maxConcurrent, maxQueue: s.maxQueue, queueTimeoutMs: s.queueTimeoutMs });
      const timing = timeout(name, s.timeoutMs);
      if (observer !== undefined) this.observed.push(observer.retry(retrying), observer.retryBudget(budget), observer.breaker(breaker), observer.bulkhead(limiting), observer.timeout(timing));
      const chain = wrap(retrying, breaker, limiting, timing);
      this.chains.set(name, telemetry?.tracing === true ? tracedCalls({ downstream: name, chain, breaker }) : chain);
    }
  }

  chain(name: DownstreamName): Policy {
    const chain = this.chains.get(name);
    if (chain === undefined) throw new Error(`no policy chain for ${name}`);
    return chain;
  }

  breaker(name: DownstreamName): FleetBreaker {
    return this.fleet.get(name);
  }

  async close(): Promise<void> {
    for (const o of this.observed.splice(0)) o.dispose();
    for (const b of this.budgets) b.close();
    await this.fleet.close();
  }
}
