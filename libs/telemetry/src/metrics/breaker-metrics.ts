import { BREAKER_STATES, type Disposable } from '@breakwater/resilience';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CALL_DURATION_BUCKETS, MetricNames } from '../metric-names';
import { disposeAll, type ObservedBreaker } from '../policy-observer';

/** Breaker series: events become counters and a histogram; state and window are read at scrape time. */
export class BreakerMetrics {
  private readonly bound = new Set<ObservedBreaker>();
  private readonly calls: Histogram<'name' | 'kind'>;
  private readonly slowCalls: Counter<'name' | 'kind'>;
  private readonly notPermitted: Counter<'name'>;
  private readonly transitions: Counter<'name' | 'from' | 'to'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const bound = this.bound;
    // Read when scraped, not kept up to date per call: a scrape is rare, a call is not.
    new Gauge({
      name: MetricNames.breakerState,
      help: 'Circuit breaker state as this instance sees it: 1 for the current state, 0 for the others',
      labelNames: ['name', 'state'],
      registers,
      collect() {
        this.reset();
        for (const b of bound) {
          const current = b.state;
          for (const state of BREAKER_STATES) this.set({ name: b.name, state }, state === current ? 1 : 0);
        }
      },
    });
    const windowGauge = (name: string, help: string, read: (s: ReturnType<ObservedBreaker['snapshot']>) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['name'],
        registers,
        collect() {
          this.reset();
          for (const b of bound) this.set({ name: b.name }, read(b.snapshot()));
        },
      });
    };
    windowGauge(MetricNames.breakerFailureRate, 'Failures / calls in the sliding window (the fleet-wide window for a fleet breaker), 0 to 1', (s) => s.failureRate);
    windowGauge(MetricNames.breakerSlowCallRate, 'Slow calls / calls in the sliding window, 0 to 1', (s) => s.slowCallRate);
    windowGauge(MetricNames.breakerBufferedCalls, 'Calls in the sliding window', (s) => s.calls);
    this.calls = new Histogram({
      name: MetricNames.breakerCalls,
      help: 'Duration of calls the breaker let through, by outcome (ignored: the downstream never saw the call)',
      labelNames: ['name', 'kind'],
      buckets: [...CALL_DURATION_BUCKETS],
      registers,
    });
    this.slowCalls = new Counter({ name: MetricNames.breakerSlowCalls, help: 'Finished calls slower than slowCallDurationMs, by outcome', labelNames: ['name', 'kind'], registers });
    this.notPermitted = new Counter({ name: MetricNames.breakerNotPermitted, help: 'Calls the breaker refused without calling the downstream', labelNames: ['name'], registers });
    this.transitions = new Counter({ name: MetricNames.breakerTransitions, help: 'State changes this instance saw, fleet-wide ones included', labelNames: ['name', 'from', 'to'], registers });
  }

  bind(breaker: ObservedBreaker): Disposable {
    const name = breaker.name;
    this.bound.add(breaker);
    // Present from the start, so rate() has a zero to begin from.
    this.notPermitted.inc({ name }, 0);
    const subscriptions = [
      breaker.onCallRecorded((r) => {
        const kind = r.ignored ? 'ignored' : r.failed ? 'failed' : 'successful';
        this.calls.observe({ name, kind }, r.durationMs / 1000);
        if (r.slow && !r.ignored) this.slowCalls.inc({ name, kind });
      }),
      breaker.onCallRejected(() => this.notPermitted.inc({ name })),
      breaker.onStateChange((c) => this.transitions.inc({ name, from: c.from, to: c.to })),
    ];
    return disposeAll([...subscriptions, { dispose: () => this.bound.delete(breaker) }]);
  }
}
