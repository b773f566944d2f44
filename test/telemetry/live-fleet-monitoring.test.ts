// Given a fleet started by the launcher (`npm run fleet`: its Redis, the simulator, two payment-api
// instances, nginx) with a metrics token and OTEL_* in the launcher's environment:
// - every instance's live GET /metrics, scraped with the token, passes `promtool check metrics`;
// - the OTEL_* variables reach every instance: each one's spans arrive at an OTLP receiver;
// - a real Prometheus scraping both instances with the token, on a copy of alerts.yml whose `for:`
//   durations are read as seconds (test/support/alert-rules-copy.ts says why that is the shipped
//   rule), fires BreakwaterBreakerOpenTooLong once provider-a is down and its breaker OPEN.
// promtool and prometheus: SETUP_EXTRAS=prometheus (CI always; skipped without them elsewhere).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricNames } from '@breakwater/telemetry';
import { withForDurationsShortened } from '../support/alert-rules-copy';
import { FLEET_START_TIMEOUT_MS, FLEET_TEST_ADMIN_TOKEN, killStartedFleets, PAYMENT, startFleet, withTimeout, type RunningFleet } from '../support/fleet-launcher-process';
import { inCi, INSTALL_HINT, missingTools, promtool } from '../support/monitoring-tools';
import { OtlpReceiver } from '../support/otlp-receiver';
import { PrometheusServer, type PrometheusAlert } from '../support/prometheus-server';
import { waitFor } from '../support/wait-for';

const ROOT = join(__dirname, '..', '..');
const SHIPPED_RULES = join(ROOT, 'deploy', 'prometheus', 'alerts.yml');
const METRICS_TOKEN = `metrics-token-${randomUUID()}`;
const SERVICE_NAME = `payment-api-live-${randomUUID().slice(0, 8)}`;
const ALERT = 'BreakwaterBreakerOpenTooLong';
const missing = missingTools(['promtool', 'prometheus']);

async function scrape(instance: string, token: string): Promise<Response> {
  return fetch(`${instance}/metrics`, { headers: { authorization: `Bearer ${token}` } });
}

async function pay(url: string): Promise<number> {
  const response = await fetch(`${url}/payments`, { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': randomUUID() }, body: JSON.stringify(PAYMENT) });
  await response.arrayBuffer();
  return response.status;
}

async function breakerState(instance: string, name: string): Promise<string | undefined> {
  const response = await fetch(`${instance}/breakers`, { headers: { authorization: `Bearer ${FLEET_TEST_ADMIN_TOKEN}` } });
  const views = (await response.json()) as { name: string; state: string }[];
  return views.find((b) => b.name === name)?.state;
}

const firing = (alerts: readonly PrometheusAlert[]): PrometheusAlert[] => alerts.filter((a) => a.labels.alertname === ALERT && a.state === 'firing');

if (missing.length > 0 && !inCi()) {
  it.skip(`live fleet monitoring: skipped, ${missing.join(' and ')} not installed (${INSTALL_HINT})`, () => undefined);
} else {
  describe('monitoring a live fleet', () => {
    let fleet: RunningFleet;
    let receiver: OtlpReceiver;
    const dir = mkdtempSync(join(tmpdir(), 'bw-live-monitoring-'));

    beforeAll(async () => {
      // In CI the tools are installed by SETUP_EXTRAS=prometheus: absence there is a failure.
      if (missing.length > 0) throw new Error(`${missing.join(' and ')} not installed in CI: ${INSTALL_HINT}`);
      receiver = await OtlpReceiver.start();
      fleet = await startFleet({
        METRICS_TOKEN,
        OPERATOR_AUTH: 'token',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_SERVICE_NAME: SERVICE_NAME,
        // A breaker that trips after a few payments, held open past the test.
        DOWNSTREAM_PROVIDER_A_BREAKER_MINIMUM_CALLS: '5',
        DOWNSTREAM_PROVIDER_A_BREAKER_OPEN_BASE_MS: '60000',
        DOWNSTREAM_PROVIDER_A_BREAKER_OPEN_MAX_MS: '60000',
      });
    }, FLEET_START_TIMEOUT_MS + 10_000);

    afterAll(async () => {
      if (fleet?.child.pid !== undefined && fleet.child.exitCode === null) {
        process.kill(-fleet.child.pid, 'SIGTERM');
        await withTimeout(fleet.exited, 20_000, 'the fleet stopped').catch(() => undefined);
      }
      killStartedFleets();
      await receiver?.close();
      rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    it('serves GET /metrics on every instance that promtool check metrics passes, to the metrics token only', async () => {
      // A payment first, so that the labelled series (calls by kind, payments by status) exist.
      expect(await pay(fleet.json.lb)).toBe(201);
      for (const instance of fleet.json.instances) {
        // With tracing on, the NestJS instrumentation wraps every handler: the operator reads must
        // still need their token (a guard that looked handlers up by identity let them through).
        for (const path of ['/metrics', '/breakers', '/queues']) {
          expect({ instance, path, status: (await fetch(`${instance}${path}`)).status }).toEqual({ instance, path, status: 401 });
        }
        expect({ instance, breakers: (await fetch(`${instance}/breakers`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status }).toEqual({ instance, breakers: 401 });
        const response = await scrape(instance, METRICS_TOKEN);
        expect({ instance, status: response.status }).toEqual({ instance, status: 200 });
        const text = await response.text();
        expect({ instance, check: promtool(['check', 'metrics'], text) }).toEqual({ instance, check: { status: 0, output: '' } });
        expect(text).toMatch(new RegExp(`^${MetricNames.retryBudgetAvailable}\\{name="provider-a",instance_id="api-\\d"\\} \\d`, 'm'));
        expect(text).toMatch(new RegExp(`^${MetricNames.retryBudgetRefused}\\{name="provider-a",instance_id="api-\\d"\\} 0$`, 'm'));
      }
    }, 20_000);

    it('passes OTEL_* to every instance: a payment on each is a trace at the OTLP receiver, naming its instance', async () => {
      const ports = fleet.json.instances.map((url) => Number(new URL(url).port));
      for (const instance of fleet.json.instances) expect(await pay(instance)).toBe(201);
      const serverPorts = (): Set<number> =>
        new Set(receiver.spans.filter((s) => s.service === SERVICE_NAME && s.parentSpanId === '' && s.name.startsWith('POST')).map((s) => Number(s.attributes['server.port'] ?? s.attributes['net.host.port'])));
      await waitFor(() => ports.every((p) => serverPorts().has(p)), { timeoutMs: 15_000, intervalMs: 100, description: `a POST /payments server span from each of ports ${ports.join(', ')}` });
      // Each span names the instance that sent it, as /metrics does (the launcher's INSTANCE_ID).
      const instanceOf = new Map(receiver.spans.filter((s) => s.service === SERVICE_NAME && s.parentSpanId === '' && s.name.startsWith('POST')).map((s) => [Number(s.attributes['server.port'] ?? s.attributes['net.host.port']), s.instance]));
      expect(ports.map((p) => instanceOf.get(p))).toEqual(ports.map((_, i) => `api-${i + 1}`));
    }, 30_000);

    it('fires BreakwaterBreakerOpenTooLong in a real Prometheus when provider-a goes down', async () => {
      // The shipped rules with `for:` in seconds, checked by promtool like the shipped file.
      const shipped = readFileSync(SHIPPED_RULES, 'utf8');
      const rules = withForDurationsShortened(shipped);
      const changed = shipped.split('\n').filter((line, i) => line !== rules.split('\n')[i]);
      expect(changed.length).toBeGreaterThan(0);
      expect(changed.every((line) => /^\s+for: \d+[smh]$/.test(line))).toBe(true);
      writeFileSync(join(dir, 'alerts.yml'), rules);
      writeFileSync(join(dir, 'metrics-token'), METRICS_TOKEN, { mode: 0o600 });
      const targets = fleet.json.instances.map((url) => new URL(url).host);
      writeFileSync(
        join(dir, 'prometheus.yml'),
        [
          // 2 s: a scrape of a busy instance on a loaded CI machine may take over a second.
          'global: { scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 1s }',
          'rule_files: [alerts.yml]',
          'scrape_configs:',
          '  - job_name: payment-api',
          `    authorization: { type: Bearer, credentials_file: ${join(dir, 'metrics-token')} }`,
          `    static_configs: [{ targets: ${JSON.stringify(targets)} }]`,
          '',
        ].join('\n'),
      );
      expect(promtool(['check', 'rules', join(dir, 'alerts.yml')]).status).toBe(0);
      expect(promtool(['check', 'config', join(dir, 'prometheus.yml')]).status).toBe(0);

      const prometheus = await PrometheusServer.start(join(dir, 'prometheus.yml'), dir);
      try {
        await waitFor(async () => (await prometheus.query('breakwater_circuitbreaker_state{name="provider-a",state="CLOSED"} == 1')).length === targets.length, {
          timeoutMs: 15_000,
          intervalMs: 200,
          description: 'both instances scraped (with the token) and provider-a CLOSED on each',
        });
        expect(firing(await prometheus.alerts())).toEqual([]);

        const fault = await fetch(`${fleet.json.sim}/_faults/provider-a`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'down' }) });
        expect(fault.status).toBe(200);
        await waitFor(async () => (await pay(fleet.json.lb)) > 0 && (await Promise.all(fleet.json.instances.map((i) => breakerState(i, 'provider-a')))).every((s) => s === 'OPEN'), {
          timeoutMs: 20_000,
          intervalMs: 0,
          description: 'provider-a OPEN on every instance',
        });

        await waitFor(async () => firing(await prometheus.alerts()).length > 0, { timeoutMs: 20_000, intervalMs: 250, description: `${ALERT} firing\n${prometheus.log}` });
        expect(firing(await prometheus.alerts()).map((a) => ({ labels: a.labels, runbook: a.annotations.runbook_url }))).toEqual([
          { labels: { alertname: ALERT, name: 'provider-a', severity: 'page' }, runbook: 'docs/runbooks/breaker-open-too-long.md' },
        ]);
      } finally {
        await fetch(`${fleet.json.sim}/_faults`, { method: 'DELETE' });
        await prometheus.stop();
      }
    }, 60_000);
  });
}
