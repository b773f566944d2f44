import type { BreakerMode, Disposable } from '@breakwater/resilience';
import { Counter, Gauge, type Registry } from 'prom-client';
import { MetricNames } from '../metric-names';
import { disposeAll, type ObservedFleet } from '../policy-observer';

const MODES: readonly BreakerMode[] = ['fleet', 'local'];

/** Whether the fleet breakers decide with Redis or alone (as a whole and each), and how often that switched. */
export class FleetMetrics {
  private readonly bound = new Set<ObservedFleet>();
  private readonly changes: Counter<'mode'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const bound = this.bound;
    new Gauge({
      name: MetricNames.fleetMode,
      help: 'Where the breakers decide: 1 for the current mode (fleet: shared state in Redis; local: this instance alone), 0 for the other',
      labelNames: ['mode'],
      registers,
      collect() {
        this.reset();
        if (bound.size === 0) return;
        // Several fleets in one process: local as soon as one of them is.
        const current: BreakerMode = [...bound].some((f) => f.mode === 'local') ? 'local' : 'fleet';
        for (const mode of MODES) this.set({ mode }, mode === current ? 1 : 0);
      },
    });
    // On a Cluster one shard down sends only its breakers local, and breakwater_fleet_mode says
    // `local` all the same: this one says which, so "one shard" reads apart from "all of Redis".
    new Gauge({
      name: MetricNames.fleetBreakerLocalMode,
      help: 'Per fleet breaker: 1 while it decides on this instance alone (Redis, or its Cluster shard, does not answer), 0 while it decides with the fleet',
      labelNames: ['name'],
      registers,
      collect() {
        this.reset();
        for (const fleet of bound) {
          const local = new Set(fleet.localBreakers());
          for (const { name } of fleet.list()) this.set({ name }, local.has(name) ? 1 : 0);
        }
      },
    });
    this.changes = new Counter({ name: MetricNames.fleetModeChanges, help: 'Switches between fleet and local mode, by the mode switched to', labelNames: ['mode'], registers });
  }

  bind(fleet: ObservedFleet): Disposable {
    this.bound.add(fleet);
    for (const mode of MODES) this.changes.inc({ mode }, 0);
    return disposeAll([fleet.onModeChange((m) => this.changes.inc({ mode: m.mode })), { dispose: () => this.bound.delete(fleet) }]);
  }
}
