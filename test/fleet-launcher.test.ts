// Given the fleet launcher started the way the contract smoke test starts it
// (`npm run -s fleet -- --instances 2 --port <free>`), when it prints FLEET READY, then the JSON
// names the load balancer, two instances, Redis and the simulator, and a payment goes through
// nginx; a second fleet started beside it takes other ports; and SIGTERM, to the launcher alone
// or to its whole process group, stops every process it started, frees every port, and exits 0.
// Needs nginx and redis-server (scripts/setup.sh installs both); starts no shared services.
import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import Redis from 'ioredis';
import {
  expectEverythingStopped,
  FLEET_TEST_ADMIN_TOKEN,
  fleetRedisUrl,
  FLEET_START_TIMEOUT_MS as START_TIMEOUT_MS,
  killStartedFleets,
  PAYMENT,
  portsOf,
  postPayment,
  startFleet,
  withTimeout,
  type RunningFleet,
} from './support/fleet-launcher-process';
import { waitFor } from './support/wait-for';

const STOP_TIMEOUT_MS = 20_000;
const LOCAL_URL = /^http:\/\/127\.0\.0\.1:(\d+)$/;

let first: RunningFleet;
let second: RunningFleet;

beforeAll(async () => {
  first = await startFleet();
}, START_TIMEOUT_MS + 5_000);

afterAll(killStartedFleets);

it('prints one FLEET READY line with the load balancer, the instances, Redis and the simulator', () => {
  const { json } = first;
  expect(first.stdout()).toBe(`FLEET READY ${JSON.stringify(json)}\n`);
  expect(json.lb).toBe(`http://127.0.0.1:${first.lbPort}`);
  expect(json.instances).toHaveLength(2);
  for (const url of [...json.instances, json.sim]) expect(url).toMatch(LOCAL_URL);
  expect(json.redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
  expect(new Set(portsOf(json)).size).toBe(5);
  expect(Object.keys(json.pids).sort()).toEqual(['api-1', 'api-2', 'fleet', 'lb', 'redis', 'sim']);
});

it('takes a payment through the load balancer', async () => {
  const response = await postPayment(first.json.lb);
  const body = (await response.json()) as Record<string, unknown>;
  expect(response.status).toBe(201);
  expect(body).toEqual(expect.objectContaining({ id: expect.any(String), status: expect.any(String), fraud: expect.any(Object), degraded: expect.any(Array) }));
});

it('keeps every instance in the pool when hostile requests are mixed into good traffic (issue 13)', async () => {
  // A lone surrogate once made an instance answer 503, which nginx (max_fails=1) counts as a
  // failure: both instances went out of the pool and good payments got nginx's own 503.
  const hostile = (): Promise<Response> =>
    fetch(`${first.json.lb}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': randomUUID() },
      body: JSON.stringify({ ...PAYMENT, customerId: 'c-\ud800', items: [{ sku: '\ud800', qty: 1 }] }),
    });
  const good: number[] = [];
  const bad: number[] = [];
  for (let round = 0; round < 5; round++) {
    const [h1, g1, h2, g2] = await Promise.all([hostile(), postPayment(first.json.lb), hostile(), postPayment(first.json.lb)]);
    bad.push(h1.status, h2.status);
    good.push(g1.status, g2.status);
  }
  expect(bad).toEqual(Array(10).fill(400));
  expect(good).toEqual(Array(10).fill(201));
});

it('keeps every instance in the pool while no provider can take a payment: each payment gets its instance\'s own 503, tried once (issue 13)', async () => {
  // Every provider down: each instance answers 503 NO_PROVIDER_AVAILABLE. nginx once counted that
  // as the instance failing (max_fails=1), took both out within a second, and answered itself
  // ("no payment-api instance answered") until they came back; each payment was also tried twice.
  const sim = first.json.sim;
  for (const provider of ['provider-a', 'provider-b', 'provider-c']) {
    const fault = await fetch(`${sim}/_faults/${provider}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'down' }) });
    expect(fault.status).toBeLessThan(300);
  }
  try {
    const answers: { status: number; error: unknown; retryAfter: string | null }[] = [];
    for (let i = 0; i < 12; i++) {
      const response = await postPayment(first.json.lb);
      const body = (await response.json()) as Record<string, unknown>;
      answers.push({ status: response.status, error: body.error, retryAfter: response.headers.get('retry-after') });
    }
    expect(answers).toEqual(Array(12).fill({ status: 503, error: 'NO_PROVIDER_AVAILABLE', retryAfter: expect.stringMatching(/^\d+$/) }));
    // Reads still reach the instances: none was taken out.
    expect((await fetch(`${first.json.lb}/health/live`)).status).toBe(200);
  } finally {
    await fetch(`${sim}/_faults`, { method: 'DELETE' });
  }
  // And the fleet takes payments again once a provider is back.
  await waitFor(async () => (await postPayment(first.json.lb)).status === 201, { timeoutMs: 20_000, intervalMs: 250, description: 'a payment taken again' });
});

it('keeps its secrets off command lines, stderr and the READY line, its files private, and its Redis behind a password (issue 13)', async () => {
  const { json } = first;
  const appUrl = fleetRedisUrl(json);
  const appPassword = new URL(appUrl).password;
  const redisConfig = await readFile(join(json.dir, 'redis', 'redis.conf'), 'utf8');
  const adminPassword = /^requirepass (\S+)$/m.exec(redisConfig)?.[1] ?? '';
  expect(appPassword).toMatch(/^[0-9a-f]{64}$/);
  expect(adminPassword).toMatch(/^[0-9a-f]{64}$/);
  const secrets = [FLEET_TEST_ADMIN_TOKEN, appPassword, adminPassword];

  const seen: Record<string, string> = { stdout: first.stdout(), stderr: first.stderr(), ready: JSON.stringify(json) };
  for (const [part, pid] of Object.entries(json.pids)) seen[`cmdline of ${part}`] = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
  for (const [where, text] of Object.entries(seen)) for (const secret of secrets) expect({ where, holdsSecret: text.includes(secret) }).toEqual({ where, holdsSecret: false });

  // Every file the fleet wrote is its user's only; directories at most passable (0711) for nginx's workers.
  const walk = async (dir: string): Promise<string[]> => (await Promise.all((await readdir(dir, { withFileTypes: true })).map((e) => (e.isDirectory() ? walk(join(dir, e.name)).then((inner) => [join(dir, e.name), ...inner]) : [join(dir, e.name)])))).flat();
  for (const path of [json.dir, ...(await walk(json.dir))]) {
    const { mode } = await stat(path);
    expect({ path, groupOrOthersMayRead: (mode & 0o066) !== 0 }).toEqual({ path, groupOrOthersMayRead: false });
  }

  // No ready check: its INFO would fail first, and not as a command we can await.
  const anonymous = new Redis(json.redis, { lazyConnect: true, maxRetriesPerRequest: 0, enableReadyCheck: false, retryStrategy: () => null });
  anonymous.on('error', () => undefined);
  const app = new Redis(appUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await expect(anonymous.connect().then(() => anonymous.ping())).rejects.toThrow(/NOAUTH/);
    await app.connect();
    expect(await app.ping()).toBe('PONG');
    // The instances' ACL user has no admin commands and cannot empty the store.
    await expect(app.config('GET', 'requirepass')).rejects.toThrow(/NOPERM/);
    await expect(app.flushall()).rejects.toThrow(/NOPERM/);
  } finally {
    anonymous.disconnect();
    app.disconnect();
  }
});

it('runs a second fleet beside the first on other ports', async () => {
  second = await startFleet({ OPERATOR_AUTH: 'token', AUTH_MAX_FAILURES: '3' });
  const taken = new Set(portsOf(first.json));
  for (const port of portsOf(second.json)) expect(taken.has(port)).toBe(false);
  expect((await postPayment(second.json.lb)).status).toBe(201);
}, START_TIMEOUT_MS + 5_000);

it('with OPERATOR_AUTH=token, puts the operator reads behind the admin token, and limits guesses per client address through nginx whatever X-Real-IP or X-Forwarded-For a client sends (issue 13)', async () => {
  const { lb, instances } = second.json;
  const withToken = (token: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`${lb}/breakers`, { headers: { ...headers, authorization: `Bearer ${token}` } });
  expect((await fetch(`${lb}/breakers`)).status).toBe(401);
  expect((await fetch(`${lb}/metrics`)).status).toBe(401);
  expect((await withToken(FLEET_TEST_ADMIN_TOKEN)).status).toBe(200);
  expect((await fetch(`${lb}/health/ready`)).status).toBe(200);

  const limitedBy = new Set<string>();
  let guesses = 0;
  for (let i = 0; i < 20 && limitedBy.size < instances.length; i++) {
    const reply = await withToken(`guess-${i}`, { 'x-real-ip': `10.0.0.${i}`, 'x-forwarded-for': `10.1.0.${i}` });
    if (reply.status === 401) guesses++;
    else if (reply.status === 429) limitedBy.add(reply.headers.get('x-instance-id') ?? '?');
    else throw new Error(`a wrong token answered ${reply.status}`);
  }
  // Three per instance (the limit is per instance: docs/decisions.md), not one allowance per forged address.
  expect(limitedBy.size).toBe(instances.length);
  expect(guesses).toBe(3 * instances.length);
  const right = await withToken(FLEET_TEST_ADMIN_TOKEN, { 'x-real-ip': '10.9.9.9' });
  expect(right.status).toBe(429);
  expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
}, 30_000);

it('stops every part and exits 0 when the launcher alone gets SIGTERM', async () => {
  process.kill(second.json.pids.fleet ?? -1, 'SIGTERM');
  expect(await withTimeout(second.exited, STOP_TIMEOUT_MS, 'the launcher did not exit')).toBe(0);
  await expectEverythingStopped(second);
  // The first fleet is untouched.
  expect((await fetch(`${first.json.lb}/health/ready`)).status).toBe(200);
}, STOP_TIMEOUT_MS + 5_000);

it('stops every part and exits 0 when its process group gets SIGTERM (Ctrl-C, smoke.mjs)', async () => {
  process.kill(-(first.child.pid ?? 0), 'SIGTERM');
  expect(await withTimeout(first.exited, STOP_TIMEOUT_MS, 'the launcher did not exit')).toBe(0);
  await expectEverythingStopped(first);
}, STOP_TIMEOUT_MS + 5_000);
