// The steady-state hypothesis of an experiment, checked against what was measured: each check says
// its target, what was measured and whether it held (null: it could not be measured).

export interface SteadyStateHypothesis {
  /** Share of available answers (availability.ts) during the fault. */
  minAvailability: number;
  /** p95 during the fault may exceed the steady state's (before) by at most this much. */
  maxP95IncreasePct: number;
  /** Available answers per second during the fault may fall at most this much below before. */
  maxThroughputLossPct: number;
  /** From the heal to fleet CLOSED and p95 back to the steady state. */
  maxRecoveryMs: number;
  /** Steady state: p95 before the fault (and again after recovery) stays under this. */
  steadyP95Ms: number;
}

export interface Check {
  name: string;
  target: string;
  measured: string;
  pass: boolean | null;
}

export interface Measured {
  availabilityBefore: number | null;
  availabilityDuring: number | null;
  p95Before: number | null;
  p95During: number | null;
  throughputBefore: number;
  throughputDuring: number;
  recoveryMs: number | null;
  unplannedExits: number;
  lostPayments: number;
  doubleCharged: number;
  auditMissing: number;
  auditDuplicated: number;
  pendingUnreconciled: number;
}

export const pct = (x: number | null, digits = 2): string => (x === null ? 'n/a' : `${(x * 100).toFixed(digits)}%`);
export const ms = (x: number | null): string => (x === null ? 'n/a' : `${Math.round(x)} ms`);

export function p95IncreasePct(m: Pick<Measured, 'p95Before' | 'p95During'>): number | null {
  if (m.p95Before === null || m.p95During === null || m.p95Before <= 0) return null;
  return ((m.p95During - m.p95Before) / m.p95Before) * 100;
}

export function throughputLossPct(m: Pick<Measured, 'throughputBefore' | 'throughputDuring'>): number | null {
  if (m.throughputBefore <= 0) return null;
  return ((m.throughputBefore - m.throughputDuring) / m.throughputBefore) * 100;
}

export function evaluate(h: SteadyStateHypothesis, m: Measured): Check[] {
  const increase = p95IncreasePct(m);
  const loss = throughputLossPct(m);
  const zero = (name: string, n: number): Check => ({ name, target: '0', measured: String(n), pass: n === 0 });
  return [
    { name: 'steady state before', target: `available >= ${pct(h.minAvailability)}, p95 <= ${h.steadyP95Ms} ms`, measured: `${pct(m.availabilityBefore)}, ${ms(m.p95Before)}`, pass: m.availabilityBefore === null || m.p95Before === null ? null : m.availabilityBefore >= h.minAvailability && m.p95Before <= h.steadyP95Ms },
    { name: 'availability during', target: `>= ${pct(h.minAvailability)}`, measured: pct(m.availabilityDuring), pass: m.availabilityDuring === null ? null : m.availabilityDuring >= h.minAvailability },
    { name: 'p95 increase during', target: `<= ${h.maxP95IncreasePct}%`, measured: increase === null ? 'n/a' : `${increase.toFixed(0)}%`, pass: increase === null ? null : increase <= h.maxP95IncreasePct },
    { name: 'throughput loss during', target: `<= ${h.maxThroughputLossPct}%`, measured: loss === null ? 'n/a' : `${loss.toFixed(1)}%`, pass: loss === null ? null : loss <= h.maxThroughputLossPct },
    { name: 'recovery', target: `<= ${h.maxRecoveryMs} ms`, measured: m.recoveryMs === null ? 'not recovered' : ms(m.recoveryMs), pass: m.recoveryMs !== null && m.recoveryMs <= h.maxRecoveryMs },
    zero('unplanned process exits', m.unplannedExits),
    zero('2xx payments lost', m.lostPayments),
    zero('keys charged twice', m.doubleCharged),
    zero('audit entries not exported', m.auditMissing),
    zero('audit entries exported twice', m.auditDuplicated),
    zero('PENDING_REVIEW unreconciled', m.pendingUnreconciled),
  ];
}
