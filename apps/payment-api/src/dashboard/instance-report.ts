import { MetricNames } from '@breakwater/telemetry';
import type { Registry } from 'prom-client';
import type { Gateway } from '../gateway';

/** One breaker as one instance sees it: the fields the dashboard draws. */
export interface BreakerReport {
  name: string;
  state: string;
  failureRate: number;
  slowCallRate: number;
  calls: number;
  version: number;
  mode: 'fleet' | 'local';
}

/** One downstream's bulkhead on one instance (from the instance's own Prometheus series). */
export interface BulkheadReport {
  name: string;
  inFlight: number;
  queued: number;
  limit: number;
  rejected: number;
}

/**
 * What one instance tells the fleet about itself, once a second (report-publisher.ts). Times
 * that cross instances are not compared: `uptimeS` is a duration, `seq` tells a live report from
 * a stale one, and `pid` with `uptimeS` tells a restart.
 */
export interface InstanceReport {
  instanceId: string;
  pid: number;
  uptimeS: number;
  seq: number;
  mode: 'fleet' | 'local';
  breakers: BreakerReport[];
  bulkheads: BulkheadReport[];
}

const round = (n: number): number => Math.round(n * 10_000) / 10_000;

/** The instance's series values of `name` by their `name` label. */
async function seriesByName(registry: Registry, metric: string): Promise<Map<string, number>> {
  const found = registry.getSingleMetric(metric);
  const byName = new Map<string, number>();
  if (found === undefined) return byName;
  for (const v of (await found.get()).values) {
    const key = v.labels.name;
    if (typeof key === 'string') byName.set(key, (byName.get(key) ?? 0) + v.value);
  }
  return byName;
}

/** This instance's report now: breakers from their local view (no I/O), bulkheads from the registry. */
export async function buildInstanceReport(gateway: Gateway, seq: number): Promise<InstanceReport> {
  const registry = gateway.metrics.registry;
  const [inFlight, queued, limit, rejected] = await Promise.all([
    seriesByName(registry, MetricNames.bulkheadInFlight),
    seriesByName(registry, MetricNames.bulkheadQueued),
    seriesByName(registry, MetricNames.bulkheadMaxAllowed),
    seriesByName(registry, MetricNames.bulkheadRejected),
  ]);
  const breakers = gateway.policies.fleet.list().map((b): BreakerReport => {
    const s = b.snapshot();
    return { name: s.name, state: s.state, failureRate: round(s.failureRate), slowCallRate: round(s.slowCallRate), calls: s.calls, version: s.version, mode: s.mode };
  });
  const bulkheads = [...limit.keys()].sort().map((name): BulkheadReport => ({ name, inFlight: inFlight.get(name) ?? 0, queued: queued.get(name) ?? 0, limit: limit.get(name) ?? 0, rejected: rejected.get(name) ?? 0 }));
  return { instanceId: gateway.config.instanceId, pid: process.pid, uptimeS: Math.round(process.uptime()), seq, mode: gateway.policies.fleet.mode, breakers, bulkheads };
}
