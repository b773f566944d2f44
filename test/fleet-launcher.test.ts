// Given the fleet launcher started the way the contract smoke test starts it
// (`npm run -s fleet -- --instances 2 --port <free>`), when it prints FLEET READY, then the JSON
// names the load balancer, two instances, Redis and the simulator, and a payment goes through
// nginx; a second fleet started beside it takes other ports; and SIGTERM, to the launcher alone
// or to its whole process group, stops every process it started, frees every port, and exits 0.
// Needs nginx and redis-server (scripts/setup.sh installs both); starts no shared services.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { findFreePort } from './support/redis-server';
import type { FleetReady } from '../scripts/fleet/launch-fleet';

const ROOT = join(__dirname, '..');
const READY_LINE = /^FLEET READY (\{.*\})$/m;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
const OUTPUT_LIMIT = 8_192;
const LOCAL_URL = /^http:\/\/127\.0\.0\.1:(\d+)$/;
const PAYMENT = {
  amount: 1299,
  currency: 'EUR',
  customerId: 'c-1',
  items: [{ sku: 'sku-1', qty: 1 }],
  paymentMethod: { type: 'card', token: 'tok_visa' },
  notify: { email: 'a@b.c' },
};

interface RunningFleet {
  lbPort: number;
  child: ChildProcess;
  json: FleetReady;
  stdout: () => string;
  /** The npm process's exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

const started: RunningFleet[] = [];

/** Spawns the launcher in its own process group, as smoke.mjs does, and waits for FLEET READY. */
async function startFleet(): Promise<RunningFleet> {
  const lbPort = await findFreePort();
  const child = spawn('npm', ['run', '-s', 'fleet', '--', '--instances', '2', '--port', String(lbPort)], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, ADMIN_TOKEN: 'fleet-launcher-test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const json = await new Promise<FleetReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no FLEET READY within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
      const match = READY_LINE.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      resolve(JSON.parse(match[1] ?? '') as FleetReady);
    });
    child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_LIMIT)));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the launcher exited with ${code} before FLEET READY:\n${output}`));
    });
  });
  const fleet = { lbPort, child, json, stdout: () => stdout, exited };
  started.push(fleet);
  return fleet;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

function portsOf(fleet: FleetReady): number[] {
  return [fleet.lb, fleet.sim, fleet.redis, ...fleet.instances].map(portOf);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when a TCP connection to 127.0.0.1:`port` is refused. */
function isClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function expectEverythingStopped(fleet: RunningFleet): Promise<void> {
  for (const [name, pid] of Object.entries(fleet.json.pids)) expect({ name, alive: isAlive(pid) }).toEqual({ name, alive: false });
  for (const port of portsOf(fleet.json)) expect({ port, closed: await isClosed(port) }).toEqual({ port, closed: true });
}

function postPayment(lb: string): Promise<Response> {
  return fetch(`${lb}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Idempotency-Key': randomUUID() },
    body: JSON.stringify(PAYMENT),
  });
}

let first: RunningFleet;
let second: RunningFleet;

beforeAll(async () => {
  first = await startFleet();
}, START_TIMEOUT_MS + 5_000);

afterAll(() => {
  for (const fleet of started) {
    if (fleet.child.exitCode !== null || fleet.child.pid === undefined) continue;
    try {
      process.kill(-fleet.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

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

it('runs a second fleet beside the first on other ports', async () => {
  second = await startFleet();
  const taken = new Set(portsOf(first.json));
  for (const port of portsOf(second.json)) expect(taken.has(port)).toBe(false);
  expect((await postPayment(second.json.lb)).status).toBe(201);
}, START_TIMEOUT_MS + 5_000);

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
