import type { Disposable } from '@breakwater/resilience';
import { Counter, Gauge, type Registry } from 'prom-client';
import { MetricNames } from '../metric-names';
import type { ObservedRetry, ObservedRetryBudget } from '../policy-observer';

/**
 * What is left of each retry budget (read when scraped) and how many retries a budget refused.
 * A refusal is seen by the retry policy (its give-up reason `budget`), so that counter carries the
 * policy's name; in the gateway every downstream's policy and budget share one name.
 */
export class RetryBudgetMetrics {
  private readonly bound = new Set<ObservedRetryBudget>();
  private readonly refused: Counter<'name'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const bound = this.bound;
    const gauge = (name: string, help: string, read: (b: ObservedRetryBudget) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['name'],
        registers,
        collect() {
          this.reset();
          for (const b of bound) this.set({ name: b.name }, read(b));
        },
      });
    };
    gauge(MetricNames.retryBudgetAvailable, 'Tokens left in the retry budget as this instance last saw it; a retry takes one, below 1 retries are refused', (b) => b.available);
    gauge(MetricNames.retryBudgetMax, 'The most tokens the retry budget can hold', (b) => b.settings.maxTokens);
    this.refused = new Counter({ name: MetricNames.retryBudgetRefused, help: 'Retries the retry budget refused: the call failed without them', labelNames: ['name'], registers });
  }

  budget(budget: ObservedRetryBudget): Disposable {
    this.bound.add(budget);
    return { dispose: () => this.bound.delete(budget) };
  }

  /** Counts the policy's refusals; starts at 0 so that rate() sees the first one. */
  retry(retry: ObservedRetry): Disposable {
    const name = retry.name;
    this.refused.inc({ name }, 0);
    return retry.onGiveUp((g) => {
      if (g.reason === 'budget') this.refused.inc({ name });
    });
  }
}
