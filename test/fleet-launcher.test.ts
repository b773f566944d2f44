// Given the fleet launcher started the way the contract smoke test starts it
// (`npm run -s fleet -- --instances 2 --port <free>`), when it prints FLEET READY, then the JSON
// names the load balancer, two instances, Redis and the simulator, and a payment goes through
// nginx; a second fleet started beside it takes other ports; and SIGTERM, to the launcher alone
// or to its whole process group, stops every process it started, frees every port, and exits 0.
// Needs nginx and redis-server (scripts/setup.sh installs both); starts no shared services.
import { randomUUID } from 'node:crypto';
import {
  expectEverythingStopped,
  FLEET_START_TIMEOUT_MS as START_TIMEOUT_MS,
  killStartedFleets,
  PAYMENT,
  portsOf,
  postPayment,
  startFleet,
  withTimeout,
  type RunningFleet,
} from './support/fleet-launcher-process';

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
