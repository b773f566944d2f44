// Operator authentication on one instance with the defaults (OPERATOR_AUTH=token), a metrics
// token, and a small failed-attempt limit (issue 13). Given the instance, GET /breakers and
// /queues need the admin token, GET /metrics either token, /health and /degradation none; after
// AUTH_MAX_FAILURES wrong tokens from an address, every attempt from it is 429 with Retry-After
// (the right token too) until the window ends, and an X-Real-IP from a peer that is not a trusted
// proxy buys no fresh allowance. An ADMIN_TOKEN under 32 characters stops the instance at start.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';

const ROOT = join(__dirname, '..', '..');
const METRICS_TOKEN = 'metrics-token-for-prometheus-0123456789';
const MAX_FAILURES = 3;
const WINDOW_MS = 2_000;

function get(url: string, token?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers: { ...headers, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) } });
}

describe('operator authentication (OPERATOR_AUTH=token, the default)', () => {
  const stack = new PaymentStack({
    label: 'opauth',
    instances: 1,
    env: { OPERATOR_AUTH: '', METRICS_TOKEN, AUTH_MAX_FAILURES: String(MAX_FAILURES), AUTH_FAILURE_WINDOW_MS: String(WINDOW_MS) },
  });

  beforeAll(() => stack.start(), STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);

  it(
    'GET /breakers and /queues need the admin token; /metrics the admin or the metrics token; /health and /degradation none',
    stack.scenario(async () => {
      const url = stack.url(0);
      for (const path of ['/breakers', '/queues', '/metrics']) {
        const refused = await get(`${url}${path}`);
        expect({ path, status: refused.status }).toEqual({ path, status: 401 });
        expect(refused.headers.get('www-authenticate')).toBe('Bearer');
        expect({ path, status: (await get(`${url}${path}`, stack.adminToken)).status }).toEqual({ path, status: 200 });
      }
      expect((await get(`${url}/metrics`, METRICS_TOKEN)).status).toBe(200);
      // The metrics token reads metrics only.
      expect((await get(`${url}/breakers`, METRICS_TOKEN)).status).toBe(401);
      expect((await get(`${url}/queues`, METRICS_TOKEN)).status).toBe(401);
      expect((await fetch(`${url}/breakers/provider-a/reset`, { method: 'POST', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(401);
      for (const path of ['/health/live', '/health/ready', '/degradation']) expect({ path, status: (await get(`${url}${path}`)).status }).toEqual({ path, status: 200 });
    }),
  );

  it(
    'answers 429 with Retry-After to every attempt from an address that spent its failures, the right token included, until the window ends',
    stack.scenario(async () => {
      await sleep(WINDOW_MS); // a window of its own
      const url = stack.url(0);
      for (let i = 0; i < MAX_FAILURES; i++) {
        // A peer that is not a trusted proxy: its X-Real-IP is not believed, each guess counts against it.
        expect((await get(`${url}/breakers`, `wrong-${i}`, { 'x-real-ip': `10.0.0.${i}` })).status).toBe(401);
      }
      const limited = await get(`${url}/breakers`, stack.adminToken, { 'x-real-ip': '10.9.9.9' });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(WINDOW_MS / 1000);
      expect(await limited.json()).toMatchObject({ error: 'TOO_MANY_AUTH_FAILURES' });
      const admin = await fetch(`${url}/breakers/provider-a/reset`, { method: 'POST', headers: { authorization: `Bearer ${stack.adminToken}` } });
      expect(admin.status).toBe(429);
      // Without a token it is no guess, but it is refused as well; public endpoints stay open.
      expect((await get(`${url}/breakers`)).status).toBe(429);
      expect((await get(`${url}/health/live`)).status).toBe(200);

      await sleep(Number(limited.headers.get('retry-after')) * 1000 + 100);
      expect((await get(`${url}/breakers`, stack.adminToken)).status).toBe(200);
    }),
  );

  it('refuses to start with an ADMIN_TOKEN under 32 characters, naming the setting and a stable code', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'apps', 'payment-api', 'src', 'main.ts')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'), PORT: '0', ADMIN_TOKEN: 'short-token-of-31-characters-xx', REDIS_URL: 'redis://127.0.0.1:1' },
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain('API READY');
    expect(result.stderr).toContain('CONFIG_SECRET_TOO_SHORT');
    expect(result.stderr).toContain('ADMIN_TOKEN must be at least 32 characters (it has 31)');
    expect(result.stderr).not.toContain('short-token-of-31-characters-xx');
  }, 70_000);
});
