// The provisioned Grafana dashboard (deploy/grafana/provisioning/dashboards/breakwater.json): it
// uses the provisioned data source, every query is valid PromQL (promtool checks each as a
// recording rule; promtool: SETUP_EXTRAS=prometheus bash scripts/setup.sh), and every series it
// reads is one the gateway exports or a recording rule of alerts.yml.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricNames } from '@breakwater/telemetry';

const ROOT = join(__dirname, '..');
const PROVISIONING = join(ROOT, 'deploy', 'grafana', 'provisioning');

interface Target {
  expr: string;
  datasource: { uid: string };
}
interface Panel {
  title: string;
  type: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}

const dashboard = JSON.parse(readFileSync(join(PROVISIONING, 'dashboards', 'breakwater.json'), 'utf8')) as { uid: string; panels: Panel[] };
const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

it('queries the provisioned Prometheus data source', () => {
  const uid = /^\s+uid: (\S+)$/m.exec(readFileSync(join(PROVISIONING, 'datasources', 'prometheus.yml'), 'utf8'))?.[1];
  expect(targets.length).toBeGreaterThan(15);
  expect(new Set(targets.map((t) => t.datasource.uid))).toEqual(new Set([uid]));
});

it('every query is valid PromQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-grafana-'));
  try {
    const rules = targets.map((t, i) => `      - record: panel_query_${i}\n        expr: ${JSON.stringify(t.expr)}`).join('\n');
    writeFileSync(join(dir, 'queries.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules}\n`);
    const run = spawnSync('promtool', ['check', 'rules', join(dir, 'queries.yml')], { encoding: 'utf8' });
    if (run.error !== undefined) throw new Error(`promtool could not run (${run.error.message}): run SETUP_EXTRAS=prometheus bash scripts/setup.sh`);
    expect(`${run.stdout}${run.stderr}`).toContain('SUCCESS');
    expect(run.status).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('reads only series the gateway exports or alerts.yml records', () => {
  const metricNames = readFileSync(join(ROOT, 'libs', 'telemetry', 'src', 'metric-names.ts'), 'utf8');
  const known = new Set([...metricNames.matchAll(/'(breakwater_[a-z_]+)'/g)].map((m) => m[1]));
  for (const name of ['breakwater_payments_total', 'breakwater_payment_duration_seconds', 'breakwater_queue_depth', 'breakwater_queue_dead_letters', 'breakwater_pending_review_oldest_age_seconds', 'process_start_time_seconds']) known.add(name);
  for (const m of readFileSync(join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8').matchAll(/record: (\S+)/g)) known.add(m[1]);
  const used = new Set(targets.flatMap((t) => [...t.expr.matchAll(/\b((?:breakwater|process)[a-z_:0-9]*)/g)].map((m) => m[1].replace(/_(bucket|sum|count)$/, ''))));
  expect([...used].filter((name) => !known.has(name))).toEqual([]);
});

it('shows the retry budget that BreakwaterRetryBudgetExhausted watches: tokens left and refusals', () => {
  const exprs = targets.map((t) => t.expr);
  expect(exprs.filter((e) => e.includes(MetricNames.retryBudgetAvailable))).toHaveLength(1);
  expect(exprs.filter((e) => e.includes(MetricNames.retryBudgetRefused))).toHaveLength(1);
  expect(readFileSync(join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8')).toContain(`rate(${MetricNames.retryBudgetRefused}[5m])`);
});

it('shows which breakers are in local mode, so one Cluster shard down reads apart from all of Redis', () => {
  expect(targets.filter((t) => t.expr.includes(MetricNames.fleetBreakerLocalMode))).toHaveLength(1);
});

it('lays the panels out without overlapping', () => {
  const cells = new Map<string, string>();
  for (const panel of dashboard.panels) {
    const { x, y, w, h } = panel.gridPos;
    expect({ panel: panel.title, fits: x >= 0 && x + w <= 24 }).toEqual({ panel: panel.title, fits: true });
    for (let row = y; row < y + h; row++) {
      for (let col = x; col < x + w; col++) {
        const taken = cells.get(`${row},${col}`);
        expect({ panel: panel.title, overlaps: taken }).toEqual({ panel: panel.title, overlaps: undefined });
        cells.set(`${row},${col}`, panel.title);
      }
    }
  }
});
