// The faults set on each service and the decision they make for one request. Flap phases are
// derived from the time the fault was set, not driven by a timer, so nothing runs between requests.
import { jitteredLatency, type LatencyDistribution, type Random } from '../latency/latency-distribution';
import type { ServiceName } from '../service-names';
import type { FaultSettings } from './fault-settings';

export type FaultDecision =
  /** Answer `503 {"processed": false}` at once, without looking at the request. */
  | { kind: 'down' }
  /** Accept the request and never answer. */
  | { kind: 'hang' }
  /** An `errorRate` failure: `503 {"processed": false}` after the usual latency, nothing processed. */
  | { kind: 'fail'; delayMs: number }
  | { kind: 'serve'; delayMs: number };

export interface FaultView extends Omit<FaultSettings, 'flapPeriodMs'> {
  /** Shown for `flap` only. */
  flapPeriodMs?: number;
  since: string;
  /** What the service does right now: for `flap`, the current phase. */
  currently: 'up' | 'down' | 'hang';
}

interface ActiveFault {
  settings: FaultSettings;
  sinceMs: number;
  /** The fault's latency, built once when it is set, not on every request. */
  latency: LatencyDistribution | undefined;
}

export class FaultState {
  private readonly faults = new Map<ServiceName, ActiveFault>();

  constructor(
    private readonly now: () => number,
    private readonly random: Random,
  ) {}

  set(service: ServiceName, settings: FaultSettings): FaultView {
    const fault: ActiveFault = { settings, sinceMs: this.now(), latency: undefined };
    this.faults.set(service, fault);
    return this.view(fault);
  }

  clear(service: ServiceName): void {
    this.faults.delete(service);
  }

  clearAll(): void {
    this.faults.clear();
  }

  /** The services that have a fault set, with what each is doing now. */
  list(): Partial<Record<ServiceName, FaultView>> {
    const views: Partial<Record<ServiceName, FaultView>> = {};
    for (const [service, fault] of this.faults) views[service] = this.view(fault);
    return views;
  }

  decide(service: ServiceName, defaultLatency: LatencyDistribution): FaultDecision {
    const fault = this.faults.get(service);
    if (fault === undefined) return { kind: 'serve', delayMs: defaultLatency.sample(this.random) };
    const currently = this.currently(fault);
    if (currently !== 'up') return { kind: currently };
    const delayMs = this.latencyOf(fault, defaultLatency).sample(this.random);
    return this.random() < fault.settings.errorRate ? { kind: 'fail', delayMs } : { kind: 'serve', delayMs };
  }

  /** `flap` starts down, so setting it shows its effect at once, then alternates every period. */
  private currently(fault: ActiveFault): FaultView['currently'] {
    const { mode, flapPeriodMs } = fault.settings;
    if (mode !== 'flap') return mode;
    return Math.floor((this.now() - fault.sinceMs) / flapPeriodMs) % 2 === 0 ? 'down' : 'up';
  }

  private latencyOf(fault: ActiveFault, defaultLatency: LatencyDistribution): LatencyDistribution {
    const { latencyMs, jitterMs } = fault.settings;
    if (latencyMs === undefined && jitterMs === undefined) return defaultLatency;
    fault.latency ??= jitteredLatency(latencyMs ?? defaultLatency.medianMs, jitterMs ?? 0);
    return fault.latency;
  }

  private view(fault: ActiveFault): FaultView {
    const { flapPeriodMs, ...settings } = fault.settings;
    const shown = settings.mode === 'flap' ? { ...settings, flapPeriodMs } : settings;
    return { ...shown, since: new Date(fault.sinceMs).toISOString(), currently: this.currently(fault) };
  }
}
