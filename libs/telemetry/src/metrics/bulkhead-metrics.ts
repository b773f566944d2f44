import type { Disposable } from '@breakwater/resilience';
import { Counter, Gauge, type Registry } from 'prom-client';
import { MetricNames } from '../metric-names';
import { disposeAll, type ObservedBulkhead } from '../policy-observer';

/** Bulkhead series: occupancy read at scrape time, rejections counted as they happen. */
export class BulkheadMetrics {
  private readonly bound = new Set<ObservedBulkhead>();
  private readonly rejected: Counter<'name' | 'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const bound = this.bound;
    const gauge = (name: string, help: string, read: (b: ObservedBulkhead) => number | undefined): void => {
      new Gauge({
        name,
        help,
        labelNames: ['name'],
        registers,
        collect() {
          this.reset();
          for (const b of bound) {
            const value = read(b);
            if (value !== undefined) this.set({ name: b.name }, value);
          }
        },
      });
    };
    gauge(MetricNames.bulkheadAvailable, 'Calls that could start now: the current limit minus the calls running', (b) => (b.currentLimit === undefined ? undefined : Math.max(0, b.currentLimit - b.inFlight)));
    gauge(MetricNames.bulkheadMaxAllowed, 'The current limit of calls running at once (adaptive limits move it)', (b) => b.currentLimit);
    gauge(MetricNames.bulkheadInFlight, 'Calls running', (b) => b.inFlight);
    gauge(MetricNames.bulkheadQueued, 'Calls waiting for a slot', (b) => b.queued);
    this.rejected = new Counter({ name: MetricNames.bulkheadRejected, help: 'Calls refused by the bulkhead, by reason', labelNames: ['name', 'reason'], registers });
  }

  bind(bulkhead: ObservedBulkhead): Disposable {
    this.bound.add(bulkhead);
    const name = bulkhead.name;
    return disposeAll([bulkhead.onRejected((r) => this.rejected.inc({ name, reason: r.reason })), { dispose: () => this.bound.delete(bulkhead) }]);
  }
}
