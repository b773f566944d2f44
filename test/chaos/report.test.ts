// Report generation: report.md with the summary table, results.json and the three SVG charts of
// each experiment, from a result built by hand.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../../chaos/metrics/hypothesis';
import { breakerChart, latencyChart, throughputChart } from '../../chaos/report/charts';
import { reportMarkdown } from '../../chaos/report/report-markdown';
import { summaryRow, textTable, SUMMARY_HEADERS } from '../../chaos/report/summary-table';
import { writeReport } from '../../chaos/report/write-report';
import type { ExperimentResult } from '../../chaos/runner/result';
import { SEED_HYPOTHESIS } from '../../chaos/experiments/defaults';

const INFO = { startedAt: '2026-12-01T10:00:00.000Z', command: 'npm run chaos -- --quick', quick: true, uptime: 'load average: 1.00, 1.00, 1.00', machine: '2 x test cpu' };

function result(overrides: Partial<ExperimentResult> = {}): ExperimentResult {
  const phase = (p: 'before' | 'during' | 'after', p95: number, availability: number) => ({ phase: p, durationMs: 10_000, count: 1_000, ok: 1_000, availability, throughput: 100 * availability, statuses: { '201': 1_000 }, p50: p95 / 2, p95, p99: p95 * 2 });
  const checks = evaluate(SEED_HYPOTHESIS, { availabilityBefore: 1, availabilityDuring: 1, p95Before: 40, p95During: 44, throughputBefore: 100, throughputDuring: 100, recoveryMs: 4_000, unplannedExits: 0, lostPayments: 0, doubleCharged: 0, auditMissing: 0, auditDuplicated: 0, pendingUnreconciled: 0 });
  return {
    name: 'provider-a-outage',
    title: 'provider A down <&>',
    blastRadius: 'provider-a',
    ratePerSecond: 100,
    instances: 2,
    timing: { beforeMs: 10_000, faultMs: 10_000, afterMs: 10_000 },
    fallbackExists: true,
    window: { startMs: 10_000, endMs: 20_000 },
    loadEndMs: 30_000,
    sent: 3_000,
    phases: [phase('before', 40, 1), phase('during', 44, 1), phase('after', 41, 1)],
    timeToDetectMs: 1_250,
    breakersClosedAfterHealMs: 3_500,
    timeToRecoverMs: 4_000,
    leakedCalls: 23,
    restarts: { 'api-1': 0, 'api-2': 0 },
    plannedExits: {},
    unplannedExits: {},
    data: null,
    checks,
    passed: true,
    aborted: null,
    error: null,
    buckets: Array.from({ length: 30 }, (_, i) => ({ startMs: i * 1_000, sent: 100, available: i >= 10 && i < 12 ? 90 : 100, p50: 20, p95: 40, p99: 80 })),
    breakerRounds: Array.from({ length: 120 }, (_, i) => ({ atMs: i * 250, views: { 'http://127.0.0.1:3001': { 'provider-a': i > 45 && i < 90 ? 'OPEN' : 'CLOSED' }, 'http://127.0.0.1:3002': i === 60 ? null : { 'provider-a': 'CLOSED' } } })),
    ...overrides,
  };
}

describe('the resilience report', () => {
  it('given a passing experiment, its summary row says pass with its measurements', () => {
    const row = summaryRow(result());
    expect(row.slice(0, 3)).toEqual(['provider-a-outage', 'pass', '100.00%']);
    expect(row).toEqual(expect.arrayContaining(['20/40/80', '22/44/88', '10%', '0.0%', '1250 ms', '4000 ms', '23', '0 (0)', 'not checked']));
    expect(textTable(SUMMARY_HEADERS, [row]).split('\n')).toHaveLength(3);
  });

  it('says FAIL when a check fails, and ABORTED with the reason when the experiment was stopped', () => {
    expect(summaryRow(result({ passed: false }))[1]).toBe('FAIL');
    const aborted = result({ aborted: 'availability 12.0% over the last 5000 ms is below the abort bound 50.0%', passed: false });
    expect(summaryRow(aborted)[1]).toBe('ABORTED');
    expect(reportMarkdown(INFO, [aborted])).toContain('**Aborted:** availability 12.0%');
  });

  it('report.md has the run, the summary table, the checks and the charts of each experiment', () => {
    const md = reportMarkdown(INFO, [result()]);
    expect(md).toContain('`npm run chaos -- --quick`');
    expect(md).toContain('| experiment | result | avail. during |');
    expect(md).toContain('| availability during | >= 99.90% | 100.00% | yes |');
    expect(md).toContain('![latency](provider-a-outage-latency.svg)');
  });

  it('charts are SVG documents with the fault window shaded and text escaped', () => {
    for (const svg of [latencyChart(result()), throughputChart(result()), breakerChart(result())]) {
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      expect(svg).toContain('fill="#f4c7c3"');
      expect(svg).not.toMatch(/NaN|undefined/);
    }
    expect(breakerChart(result())).toContain('fill="#d93025"'); // OPEN painted on 3001
    expect(breakerChart(result())).toContain('fill="#202124"'); // 3002 unreachable once
  });

  it('writes report.md, results.json and three charts per experiment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chaos-report-'));
    try {
      await writeReport(dir, INFO, [result()]);
      expect((await readdir(dir)).sort()).toEqual(['provider-a-outage-breakers.svg', 'provider-a-outage-latency.svg', 'provider-a-outage-throughput.svg', 'report.md', 'results.json']);
      const json = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as { results: ExperimentResult[] };
      expect(json.results[0]?.timeToRecoverMs).toBe(4_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
