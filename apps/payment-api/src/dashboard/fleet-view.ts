import type { DegradationReport } from '../degradation/degradation';
import type { BreakerReport, BulkheadReport, InstanceReport } from './instance-report';

/** A report whose `seq` has not moved for this long is stale: that instance stopped reporting. */
export const STALE_AFTER_MS = 3_000;

export interface InstanceView {
  instanceId: string;
  pid: number;
  uptimeS: number;
  mode: 'fleet' | 'local';
  /** Not heard of for STALE_AFTER_MS: down, or cut off from Redis. */
  stale: boolean;
  /** Restarts this dashboard server has seen (a new pid, or uptime going back). */
  restarts: number;
  /** Whether this is the instance that serves the page's stream. */
  self: boolean;
  bulkheads: BulkheadReport[];
}

export interface BreakerRow {
  name: string;
  /** The state every reporting instance agrees on, or `DISAGREE`. */
  fleetState: string;
  agree: boolean;
  byInstance: Record<string, Pick<BreakerReport, 'state' | 'version' | 'failureRate' | 'slowCallRate' | 'calls'>>;
  failureRate: number;
  slowCallRate: number;
}

export interface QueueView {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  deadLetter: number;
}

/** One update of the dashboard, the same for every page open on this instance. */
export interface DashboardUpdate {
  /** Milliseconds since the epoch on the serving instance: only the page's chart axis uses it. */
  t: number;
  servedBy: string;
  degradation: DegradationReport;
  instances: InstanceView[];
  breakers: BreakerRow[];
  queues: QueueView[] | null;
  pendingReview: { count: number; oldestAgeSeconds: number } | null;
  warnings: string[];
}

interface Seen {
  seq: number;
  changedAt: number;
  pid: number;
  uptimeS: number;
  restarts: number;
}

/**
 * On a Redis Cluster one shard down sends only the breakers whose keys it holds local; the others
 * still coordinate, and the operator must not read that as "Redis is gone".
 */
function localModeWarning(r: InstanceReport): string {
  const local = r.breakers.filter((b) => b.mode === 'local').map((b) => b.name);
  if (local.length === 0 || local.length === r.breakers.length) return `${r.instanceId} is in local mode: Redis does not answer it, its breakers decide alone`;
  return `${r.instanceId} has breakers in local mode: ${local.join(', ')} (the Redis shard holding their keys does not answer it); its other breakers still coordinate`;
}

/**
 * Turns the instances' reports into the fleet view. Keeps, per instance, the last report's seq
 * (staleness by this server's own clock, never by comparing instance clocks) and its pid and
 * uptime (restarts).
 */
export class FleetView {
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly selfId: string) {}

  build(now: number, own: InstanceReport, others: InstanceReport[], rest: Pick<DashboardUpdate, 'degradation' | 'queues' | 'pendingReview'>): DashboardUpdate {
    const reports = [own, ...others.filter((r) => r.instanceId !== own.instanceId)].sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    const instances = reports.map((r) => this.instanceView(now, r));
    const live = reports.filter((_, i) => !instances[i].stale);
    const names = [...new Set(reports.flatMap((r) => r.breakers.map((b) => b.name)))];
    const breakers = names.map((name) => breakerRow(name, live));
    const warnings: string[] = [];
    for (const [index, i] of instances.entries()) {
      if (i.mode === 'local') warnings.push(localModeWarning(reports[index]));
      if (i.stale) warnings.push(`${i.instanceId} has not reported for ${STALE_AFTER_MS / 1000} s or more: down, or cut off from Redis`);
      if (i.restarts > 0) warnings.push(`${i.instanceId} restarted ${i.restarts} time(s) while this dashboard watched (up ${i.uptimeS} s)`);
    }
    for (const b of breakers) if (!b.agree) warnings.push(`instances disagree on ${b.name}: ${Object.entries(b.byInstance).map(([id, v]) => `${id} ${v.state}`).join(', ')}`);
    return { t: now, servedBy: this.selfId, instances, breakers, warnings, ...rest };
  }

  private instanceView(now: number, r: InstanceReport): InstanceView {
    const prev = this.seen.get(r.instanceId);
    const restarted = prev !== undefined && (prev.pid !== r.pid || r.uptimeS < prev.uptimeS);
    const seen: Seen =
      prev === undefined || prev.seq !== r.seq || restarted
        ? { seq: r.seq, changedAt: now, pid: r.pid, uptimeS: r.uptimeS, restarts: (prev?.restarts ?? 0) + (restarted ? 1 : 0) }
        : prev;
    this.seen.set(r.instanceId, seen);
    const self = r.instanceId === this.selfId;
    return { instanceId: r.instanceId, pid: r.pid, uptimeS: r.uptimeS, mode: r.mode, stale: !self && now - seen.changedAt >= STALE_AFTER_MS, restarts: seen.restarts, self, bulkheads: r.bulkheads };
  }
}

function breakerRow(name: string, live: InstanceReport[]): BreakerRow {
  const byInstance: BreakerRow['byInstance'] = {};
  let failureRate = 0;
  let slowCallRate = 0;
  for (const r of live) {
    const b = r.breakers.find((x) => x.name === name);
    if (b === undefined) continue;
    byInstance[r.instanceId] = { state: b.state, version: b.version, failureRate: b.failureRate, slowCallRate: b.slowCallRate, calls: b.calls };
    failureRate = Math.max(failureRate, b.failureRate);
    slowCallRate = Math.max(slowCallRate, b.slowCallRate);
  }
  const states = new Set(Object.values(byInstance).map((v) => v.state));
  const agree = states.size <= 1;
  return { name, fleetState: agree ? ([...states][0] ?? 'UNKNOWN') : 'DISAGREE', agree, byInstance, failureRate, slowCallRate };
}
