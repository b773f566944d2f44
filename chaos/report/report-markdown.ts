// report.md of a run: how it ran, the summary table, then per experiment its phases, checks, data
// check and charts.
import { OUR_TARGETS } from '../experiments/defaults';
import { ms, pct } from '../metrics/hypothesis';
import type { ExperimentResult } from '../runner/result';
import { markdownTable, SUMMARY_HEADERS, summaryRow, verdict } from './summary-table';

export interface RunInfo {
  startedAt: string;
  command: string;
  quick: boolean;
  uptime: string;
  machine: string;
}

export function chartFiles(name: string): { latency: string; throughput: string; breakers: string } {
  return { latency: `${name}-latency.svg`, throughput: `${name}-throughput.svg`, breakers: `${name}-breakers.svg` };
}

export function reportMarkdown(info: RunInfo, results: readonly ExperimentResult[]): string {
  const out: string[] = [
    `# Resilience report ${info.startedAt}`,
    '',
    `- command: \`${info.command}\``,
    `- machine: ${info.machine}`,
    `- load before the run (\`uptime\`): ${info.uptime}`,
    `- pass line: the seed's targets (availability >= 99.9% where a fallback exists, else 503 with Retry-After counts; p95 +50%; throughput -20%; recovery 30 s; data 0). Ours, reported beside: availability ${pct(OUR_TARGETS.minAvailability)}, recovery ${OUR_TARGETS.maxRecoveryMs} ms, throughput -${OUR_TARGETS.maxThroughputLossPct}%, p95 +${OUR_TARGETS.maxP95IncreasePct}%.`,
    '',
    '## Summary',
    '',
    markdownTable(SUMMARY_HEADERS, results.map(summaryRow)),
    '',
  ];
  for (const r of results) out.push(...experimentSection(r));
  return `${out.join('\n')}\n`;
}

function experimentSection(r: ExperimentResult): string[] {
  const charts = chartFiles(r.name);
  const out = [
    `## ${r.name}: ${verdict(r)}`,
    '',
    `${r.title}. Blast radius: ${r.blastRadius}. ${r.ratePerSecond} payments/s over ${r.instances} instances; before ${r.timing.beforeMs / 1000} s, fault ${r.timing.faultMs / 1000} s, after ${r.timing.afterMs / 1000} s; fallback during the fault: ${r.fallbackExists ? 'yes' : 'no (503 with Retry-After counts as available)'}.`,
    '',
  ];
  if (r.aborted !== null) out.push(`**Aborted:** ${r.aborted}`, '');
  if (r.error !== null) out.push(`**Error:** ${r.error}`, '');
  out.push(
    markdownTable(
      ['phase', 'answers', 'available', 'p50', 'p95', 'p99', 'available/s', 'statuses'],
      r.phases.map((p) => [p.phase, String(p.count), pct(p.availability), ms(p.p50), ms(p.p95), ms(p.p99), p.throughput.toFixed(1), Object.entries(p.statuses).map(([s, n]) => `${s}: ${n}`).join(', ')]),
    ),
    '',
    `Time to detect (fleet OPEN): ${ms(r.timeToDetectMs)}; every breaker CLOSED after the heal: ${ms(r.breakersClosedAfterHealMs)}; recovered (CLOSED and p95 back): ${r.timeToRecoverMs === null ? 'not within the run' : ms(r.timeToRecoverMs)}; calls to the failed downstream until the fleet was OPEN: ${r.leakedCalls ?? 'n/a'}.`,
    '',
    `Restarts: ${JSON.stringify(r.restarts)}; planned exits: ${JSON.stringify(r.plannedExits)}; unplanned: ${JSON.stringify(r.unplannedExits)}.`,
    '',
    markdownTable(['check', 'target', 'measured', 'holds'], r.checks.map((c) => [c.name, c.target, c.measured, c.pass === null ? 'n/a' : c.pass ? 'yes' : '**no**'])),
    '',
  );
  const d = r.data;
  if (d !== null) {
    out.push(
      `Data: ${d.payments} payments answered 2xx; statuses ${JSON.stringify(d.records.byStatus)}; lost ${d.records.lost.length}${sampleIds(d.records.lost)}; stuck ${Object.keys(d.records.stuck).length}${sampleIds(Object.keys(d.records.stuck))}; unreadable ${d.records.unreadable.length}; PENDING_REVIEW left ${d.pendingUnreconciled.length}${sampleIds(d.pendingUnreconciled)}; audit entries ${d.audit.entries} (export queue drained: ${d.auditDrained ? 'yes' : 'no, still lagging when read'}), missing ${d.audit.missing.length}${sampleIds(d.audit.missing)}, twice ${d.audit.duplicated.length}${sampleIds(d.audit.duplicated)}; ledger charges ${d.ledger.charges}, keys charged twice ${d.ledger.doubleCharged.length}${sampleIds(d.ledger.doubleCharged)}; AUTHORIZED answers no provider charged: ${d.authorizedNotCharged.length}${sampleIds(d.authorizedNotCharged)}.`,
      '',
    );
  }
  out.push(`![latency](${charts.latency})`, '', `![throughput](${charts.throughput})`, '', `![breakers](${charts.breakers})`, '');
  return out;
}

function sampleIds(ids: readonly string[]): string {
  return ids.length === 0 ? '' : ` (e.g. ${ids.slice(0, 3).join(', ')})`;
}
