// From the raw run (samples, poll rounds, window, data check, exits) to the result's numbers and
// the hypothesis checks.
import type { DataCheck } from '../checks/data-check';
import type { Experiment } from '../experiments/experiment';
import type { Sample } from '../load/sample';
import { fleetClosedAt, fleetOpenAt, type PollRound } from '../metrics/breaker-timeline';
import type { FaultWindow } from '../metrics/fault-window';
import { evaluate, type Check } from '../metrics/hypothesis';
import { phaseStats, type PhaseStats } from '../metrics/phase-stats';
import { recoveredAt, serviceRecoveredAt } from '../metrics/recovery';
import { buckets, type Bucket } from '../metrics/timeline';

/** A bucket's p95 counts as back to the steady state within this much of it. */
const STEADY_P95_SLACK_MS = 20;
const RECOVERED_AVAILABILITY = 0.99;

export interface Measurement {
  phases: PhaseStats[];
  buckets: Bucket[];
  timeToDetectMs: number | null;
  breakersClosedAfterHealMs: number | null;
  timeToRecoverMs: number | null;
  checks: Check[];
}

export interface RawRun {
  samples: readonly Sample[];
  rounds: readonly PollRound[];
  window: FaultWindow;
  loadStartMs: number;
  loadEndMs: number;
  unplannedExits: number;
  data: DataCheck | null;
}

export function measure(experiment: Experiment, run: RawRun): Measurement {
  const rule = { refusalIsCorrect: !experiment.fallbackExists };
  const phases = phaseStats(run.samples, { ...run.window, loadStartMs: run.loadStartMs, loadEndMs: run.loadEndMs }, rule);
  const series = buckets(run.samples, run.window, rule, run.loadStartMs, run.loadEndMs);
  const [before, during] = phases;
  const openAt = experiment.watchBreaker === undefined ? null : fleetOpenAt(run.rounds, experiment.watchBreaker, run.window.startMs);
  const closedAt = fleetClosedAt(run.rounds, run.window.endMs);
  const steadyP95 = Math.min(experiment.hypothesis.steadyP95Ms, (before?.p95 ?? experiment.hypothesis.steadyP95Ms) * (1 + experiment.hypothesis.maxP95IncreasePct / 100) + STEADY_P95_SLACK_MS);
  const serviceAt = serviceRecoveredAt(series, run.window.endMs, { minAvailability: RECOVERED_AVAILABILITY, maxP95Ms: steadyP95 });
  const recovered = recoveredAt(closedAt, serviceAt);
  const timeToRecoverMs = recovered === null ? null : recovered - run.window.endMs;
  const data = run.data;
  const checks = evaluate(experiment.hypothesis, {
    availabilityBefore: before?.availability ?? null,
    availabilityDuring: during?.availability ?? null,
    p95Before: before?.p95 ?? null,
    p95During: during?.p95 ?? null,
    throughputBefore: before?.throughput ?? 0,
    throughputDuring: during?.throughput ?? 0,
    recoveryMs: timeToRecoverMs,
    unplannedExits: run.unplannedExits,
    lostPayments: data === null ? 0 : data.records.lost.length + Object.keys(data.records.stuck).length,
    doubleCharged: data?.ledger.doubleCharged.length ?? 0,
    auditMissing: data?.audit.missing.length ?? 0,
    auditDuplicated: data?.audit.duplicated.length ?? 0,
    pendingUnreconciled: data?.pendingUnreconciled.length ?? 0,
  });
  if (data === null) for (const check of checks) if (/lost|charged|audit|PENDING/.test(check.name)) Object.assign(check, { measured: 'not checked', pass: null });
  // Entries still queued when the wait ended are late, not lost: reported, not judged.
  const notExported = checks.find((c) => c.name === 'audit entries not exported');
  if (data?.audit.lagging === true && notExported !== undefined && data.audit.missing.length > 0) Object.assign(notExported, { measured: `${data.audit.missing.length} not yet exported (export queue still draining)`, pass: null });
  return {
    phases,
    buckets: series,
    timeToDetectMs: openAt === null ? null : openAt - run.window.startMs,
    breakersClosedAfterHealMs: closedAt === null ? null : closedAt - run.window.endMs,
    timeToRecoverMs,
    checks,
  };
}
