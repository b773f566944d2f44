import type { Disposable } from '@breakwater/resilience';
import { Counter, type Registry } from 'prom-client';
import { MetricNames } from '../metric-names';
import type { ObservedFallback, ObservedRetry, ObservedTimeout } from '../policy-observer';
import { disposeAll } from '../policy-observer';

/** How calls ended in the policies that only count: retry (by kind, as resilience4j's), timeout, fallback. */
export class CallMetrics {
  private readonly retryCalls: Counter<'name' | 'kind'>;
  private readonly timeouts: Counter<'name' | 'limit'>;
  private readonly fallbacks: Counter<'name'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.retryCalls = new Counter({
      name: MetricNames.retryCalls,
      help: 'Calls through a retry policy: successful_without_retry, successful_with_retry, failed_without_retry, failed_with_retry',
      labelNames: ['name', 'kind'],
      registers,
    });
    this.timeouts = new Counter({ name: MetricNames.timeouts, help: 'Calls that ran out of time: their own timeout, or what was left of the request deadline', labelNames: ['name', 'limit'], registers });
    this.fallbacks = new Counter({ name: MetricNames.fallbackCalls, help: 'Answers given by a fallback instead of the call', labelNames: ['name'], registers });
  }

  retry(retry: ObservedRetry): Disposable {
    const name = retry.name;
    return disposeAll([
      retry.onSuccess((s) => this.retryCalls.inc({ name, kind: s.attempts > 1 ? 'successful_with_retry' : 'successful_without_retry' })),
      retry.onGiveUp((g) => this.retryCalls.inc({ name, kind: g.attempts > 1 ? 'failed_with_retry' : 'failed_without_retry' })),
    ]);
  }

  timeout(timeout: ObservedTimeout): Disposable {
    const name = timeout.downstream;
    return timeout.onTimeout((t) => this.timeouts.inc({ name, limit: t.limit }));
  }

  fallback(fallback: ObservedFallback): Disposable {
    const name = fallback.name;
    this.fallbacks.inc({ name }, 0);
    return fallback.onFallback(() => this.fallbacks.inc({ name }));
  }
}
