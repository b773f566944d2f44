// The summary: one row per experiment, as a Markdown table (report.md, docs/resilience.md) and as
// aligned text for the terminal.
import { ms, pct, p95IncreasePct, throughputLossPct } from '../metrics/hypothesis';
import type { ExperimentResult } from '../runner/result';

export const SUMMARY_HEADERS = ['experiment', 'result', 'avail. during', 'p50/p95/p99 before', 'p50/p95/p99 during', 'p50/p95/p99 after', 'p95 +', 'throughput -', 'detect', 'recover', 'leaked', 'restarts (unplanned)', 'data'] as const;

const trio = (p: { p50: number | null; p95: number | null; p99: number | null } | undefined): string => (p === undefined ? 'n/a' : [p.p50, p.p95, p.p99].map((v) => (v === null ? '-' : Math.round(v).toString())).join('/'));

export function verdict(r: ExperimentResult): string {
  if (r.error !== null) return 'ERROR';
  if (r.aborted !== null) return 'ABORTED';
  return r.passed ? 'pass' : 'FAIL';
}

export function dataSummary(r: ExperimentResult): string {
  const d = r.data;
  if (d === null) return 'not checked';
  const problems = [
    [d.records.lost.length + Object.keys(d.records.stuck).length, 'lost'],
    [d.ledger.doubleCharged.length, 'charged twice'],
    [d.audit.missing.length, d.audit.lagging ? 'audit not yet exported' : 'audit missing'],
    [d.audit.duplicated.length, 'audit twice'],
    [d.pendingUnreconciled.length, 'pending review'],
  ].filter(([n]) => Number(n) > 0);
  return problems.length === 0 ? `ok (${d.payments})` : problems.map(([n, what]) => `${n} ${what}`).join(', ');
}

export function summaryRow(r: ExperimentResult): string[] {
  const [before, during, after] = r.phases;
  const inc = during && before ? p95IncreasePct({ p95Before: before.p95, p95During: during.p95 }) : null;
  const loss = during && before ? throughputLossPct({ throughputBefore: before.throughput, throughputDuring: during.throughput }) : null;
  const restarts = Object.values(r.restarts).reduce((a, b) => a + b, 0);
  const unplanned = Object.values(r.unplannedExits).reduce((a, b) => a + b, 0);
  return [
    r.name,
    verdict(r),
    pct(during?.availability ?? null),
    trio(before),
    trio(during),
    trio(after),
    inc === null ? 'n/a' : `${inc.toFixed(0)}%`,
    loss === null ? 'n/a' : `${loss.toFixed(1)}%`,
    ms(r.timeToDetectMs),
    r.timeToRecoverMs === null ? 'no' : ms(r.timeToRecoverMs),
    r.leakedCalls === null ? '-' : String(r.leakedCalls),
    `${restarts} (${unplanned})`,
    dataSummary(r),
  ];
}

export function markdownTable(headers: readonly string[], rows: readonly string[][]): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  return [`| ${headers.map(escape).join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`)].join('\n');
}

export function textTable(headers: readonly string[], rows: readonly string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
