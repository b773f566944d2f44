// The live dashboard in a real browser (Debian's chromium, driven by playwright-core; installed by
// `SETUP_EXTRAS=chromium bash scripts/setup.sh`, which CI sets): a fleet of two instances behind
// nginx with OPERATOR_AUTH=token, the page loaded through nginx. Given the admin token, when
// provider A goes down in the simulator and payments flow, then the page shows it OPEN on every
// instance within 2 s of the fault; when it heals, CLOSED again; and a force-open from the page
// reaches every instance. Screenshots: .tmp/artifacts/dashboard/ (DASHBOARD_ARTIFACTS_DIR).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { FLEET_TEST_ADMIN_TOKEN, PAYMENT, killStartedFleets, startFleet, withTimeout, type RunningFleet } from '../support/fleet-launcher-process';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = process.env.DASHBOARD_ARTIFACTS_DIR ?? join(__dirname, '..', '..', '.tmp', 'artifacts', 'dashboard');
const AUTH = { authorization: `Bearer ${FLEET_TEST_ADMIN_TOKEN}` };

let fleet: RunningFleet;
let browser: Browser;
let page: Page;

jest.setTimeout(180_000);

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  fleet = await startFleet({ OPERATOR_AUTH: 'token' });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] }).catch((error: unknown) => {
    throw new Error(`chromium could not start from ${CHROMIUM} (${String(error)}): run SETUP_EXTRAS=chromium bash scripts/setup.sh`);
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  if (fleet !== undefined) {
    fleet.child.kill('SIGTERM');
    await withTimeout(fleet.exited, 30_000, 'the fleet to stop').catch(() => killStartedFleets());
  }
  killStartedFleets();
});

const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** The state badges of one breaker's row, read in one go (an update between two reads would mix two states). */
async function rowStates(breaker: string): Promise<{ fleet: string; instances: Record<string, string> }> {
  const row = page.locator(`#breakers tr[data-key="${breaker}"]`);
  // Document order: the fleet cell (column 2), then one cell per instance, as the header names them.
  const [texts, header] = await Promise.all([row.locator('td.fleet, td[data-instance]').allTextContents(), page.locator('#breakers thead th').allTextContents()]);
  const instances: Record<string, string> = {};
  texts.slice(1).forEach((text, i) => (instances[header[2 + i] ?? `column ${2 + i}`] = text));
  return { fleet: texts[0] ?? '', instances };
}

/** Waits until the page shows `state` for the breaker on both instances and fleet-wide; how long it took. */
async function waitForRow(breaker: string, state: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let last = { fleet: '', instances: {} as Record<string, string> };
  while (Date.now() - started <= timeoutMs) {
    last = await rowStates(breaker);
    const seen = Object.values(last.instances);
    if (seen.length === 2 && seen.every((s) => s === state) && last.fleet === state) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the page did not show ${breaker} ${state} on every instance within ${timeoutMs} ms; it shows ${JSON.stringify(last)}`);
}

async function waitForEmptyWindow(breaker: string, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const views = (await (await fetch(`${fleet.json.instances[0]}/breakers`, { headers: AUTH })).json()) as Array<{ name: string; calls: number }>;
    if (views.find((b) => b.name === breaker)?.calls === 0) return;
    if (Date.now() - started > timeoutMs) throw new Error(`${breaker}'s window did not empty within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let paymentNo = 0;
async function pay(): Promise<number> {
  const r = await fetch(`${fleet.json.lb}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `dash-${process.pid}-${++paymentNo}` },
    body: JSON.stringify(PAYMENT),
  });
  await r.arrayBuffer();
  return r.status;
}

/** Payments `concurrency` at a time until stopped; stop() answers every status seen. */
function keepPaying(concurrency: number): { stop: () => Promise<number[]> } {
  const statuses: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) statuses.push(...(await Promise.all(Array.from({ length: concurrency }, () => pay()))));
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return statuses;
    },
  };
}

it('without a token, shows only the public degradation level and asks for the token', async () => {
  const response = await page.goto(`${fleet.json.lb}/dashboard`);
  expect(response?.status()).toBe(200);
  const headers = response?.headers() ?? {};
  expect(headers['content-security-policy']).toContain("default-src 'none'");
  expect(headers['x-frame-options']).toBe('DENY');
  await page.locator('#locked').waitFor({ state: 'visible' });
  await page.locator('#degradation[data-level="NORMAL"]').waitFor();
  expect(await page.locator('#breakers tbody tr').count()).toBe(0);
  await shot('01-locked');
});

it('with the admin token, shows every breaker on both instances, live', async () => {
  await page.fill('#token', FLEET_TEST_ADMIN_TOKEN);
  await page.click('#token-form button[type=submit]');
  await page.locator('#token-status', { hasText: 'controls unlocked' }).waitFor();
  await waitForRow('provider-a', 'CLOSED', 10_000);
  expect(Object.keys((await rowStates('provider-a')).instances).sort()).toEqual(['api-1', 'api-2']);
  await page.locator('#chart-failure .uplot').waitFor();
  // Warm-up, as the chaos suite does: a fresh fleet's first payments take seconds (cold code
  // paths, scripts loading), which would time the warm-up rather than the dashboard.
  for (let round = 0; round < 8; round += 1) expect(await Promise.all(Array.from({ length: 5 }, () => pay()))).toEqual([201, 201, 201, 201, 201]);
  await shot('02-unlocked');
});

it('shows provider A OPEN on every instance within 2 s of a fault, and CLOSED after it heals', async () => {
  const sim = fleet.json.sim;
  // The warm-up's successes leave the fleet's window (10 s) first: the 2 s are the outage's,
  // not the time to outvote calls that succeeded before it.
  await waitForEmptyWindow('provider-a', 15_000);
  const injected = Date.now();
  await fetch(`${sim}/_faults/provider-a`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'down' }) });
  // Payments keep flowing, five at a time, as they would in production: provider-a's failures
  // fill the fleet's window (which still holds the warm-up's successes) until it trips.
  const traffic = keepPaying(5);
  try {
    await waitForRow('provider-a', 'OPEN', 2_000);
  } finally {
    const statuses = await traffic.stop();
    // Every payment failed over to provider B: none was lost to the outage.
    expect(statuses.filter((st) => st !== 201)).toEqual([]);
  }
  expect(Date.now() - injected).toBeLessThanOrEqual(2_000);
  await page.locator('#degradation[data-level="DEGRADED"]').waitFor();
  await shot('03-provider-a-open');

  await fetch(`${sim}/_faults`, { method: 'DELETE' });
  // Probes need traffic: pay steadily until the page shows the fleet closed again.
  const healing = keepPaying(1);
  try {
    await waitForRow('provider-a', 'CLOSED', 30_000);
  } finally {
    await healing.stop();
  }
  await shot('04-provider-a-closed');
});

it('force-opens provider B from the page after confirmation, on every instance', async () => {
  const row = page.locator('#breakers tr[data-key="provider-b"]');
  await row.locator('button[data-action="force-open"]').click();
  await page.locator('#confirm-text', { hasText: 'force-open provider-b on every instance?' }).waitFor();
  await shot('05-confirm');
  await page.click('#confirm-yes');
  await page.locator('#action-result', { hasText: 'provider-b: FORCED_OPEN on all 2 instances (fleet-wide)' }).waitFor({ timeout: 5_000 });
  for (const instance of fleet.json.instances) {
    const views = (await (await fetch(`${instance}/breakers`, { headers: AUTH })).json()) as Array<{ name: string; state: string }>;
    expect(views.find((b) => b.name === 'provider-b')?.state).toBe('FORCED_OPEN');
  }
  await shot('06-provider-b-forced-open');

  // And back, from the page too.
  await row.locator('button[data-action="reset"]').click();
  await page.click('#confirm-yes');
  await page.locator('#action-result', { hasText: 'provider-b: CLOSED on all 2 instances (fleet-wide)' }).waitFor({ timeout: 5_000 });
});

it('serves every open page the same update, built once per tick', async () => {
  // Two more readers of the same instance's stream (an instance directly: nginx would spread
  // them): the update frames they get carry the same ids and the same bytes.
  const read = async (): Promise<string[]> => {
    const controller = new AbortController();
    const r = await fetch(`${fleet.json.instances[0]}/dashboard/stream`, { headers: AUTH, signal: controller.signal });
    expect(r.headers.get('x-accel-buffering')).toBe('no');
    expect(r.headers.get('content-type')).toContain('text/event-stream');
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while ((text.match(/event: update/g) ?? []).length < 4) text += decoder.decode((await reader.read()).value);
    controller.abort();
    return text.split('\n\n').filter((f) => f.includes('event: update'));
  };
  const [a, b] = await Promise.all([read(), read()]);
  const common = a.filter((frame) => b.includes(frame));
  expect(common.length).toBeGreaterThanOrEqual(2);
  const ids = a.map((f) => Number(/^id: (\d+)/.exec(f)?.[1]));
  // At most one update a second: consecutive ids, about a second apart in their own timestamps.
  const times = a.map((f) => (JSON.parse(f.slice(f.indexOf('data: ') + 6)) as { t: number }).t);
  expect(ids.slice(1).map((id, i) => id - ids[i])).toEqual(ids.slice(1).map(() => 1));
  for (let i = 1; i < times.length; i += 1) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(900);
});
