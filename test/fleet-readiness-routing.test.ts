// Given a fleet of two instances through the launcher, api-2 reaching Redis only through a TCP
// fault proxy (FLEET_INSTANCE_HOOK gives it its own REDIS_URL), when that proxy refuses api-2
// every connection (Redis unreachable from api-2 alone), then api-2's GET /health/ready answers
// 503 and its payments 503 (it cannot record them) while api-1 is fine (issue 7, finding 1):
// - with readiness routing off (the launcher before it, FLEET_READINESS_ROUTING=off), nginx keeps
//   sending api-2 its share of POST /payments, and those answer 503;
// - with it on (the default), the launcher takes api-2 out of nginx's upstream, says so and
//   writes it in routing.json; from then on every payment through nginx is 201, and once api-2
//   reaches Redis again it is put back and answers payments again. With Redis then down for
//   both, neither is taken out: a payment is an instance's own 503 with Retry-After.
// Needs nginx and redis-server (scripts/setup.sh installs both); starts its own redis-server.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ROUTING_STATUS_FILE_NAME, type RoutingStatusFile } from '../scripts/fleet/routing-status';
import { FLEET_START_TIMEOUT_MS, killStartedFleets, PAYMENT, startFleet, withTimeout, type RunningFleet } from './support/fleet-launcher-process';
import { startRedisServer, type RedisServerHandle } from './support/redis-server';
import { TcpFaultProxy } from './support/tcp-fault-proxy';
import { waitFor } from './support/wait-for';
import { join } from 'node:path';

const STOP_TIMEOUT_MS = 20_000;
const PAYMENTS = 12;

let redis: RedisServerHandle;
let proxy: TcpFaultProxy;

beforeAll(async () => {
  redis = await startRedisServer();
  proxy = await TcpFaultProxy.start({ port: redis.port });
});

afterAll(async () => {
  killStartedFleets();
  await proxy.close();
  await redis.cleanup();
});

function fleetEnv(routing: 'on' | 'off'): NodeJS.ProcessEnv {
  return {
    FLEET_REDIS_URL: redis.url,
    FLEET_INSTANCE_HOOK: JSON.stringify({ instance: 'api-2', env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}` } }),
    FLEET_READINESS_ROUTING: routing,
  };
}

/** api-2's Redis is unreachable: every connection through the proxy is reset, new ones too. */
function cutApi2(): void {
  proxy.setToxics({ resetNewConnections: true });
  proxy.dropConnections();
}

async function statusOf(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

interface Answer {
  status: number;
  instance: string | null;
}

async function pay(fleet: RunningFleet): Promise<Answer> {
  const response = await fetch(`${fleet.json.lb}/payments`, { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': randomUUID() }, body: JSON.stringify(PAYMENT) });
  await response.arrayBuffer();
  return { status: response.status, instance: response.headers.get('x-instance-id') };
}

async function payments(fleet: RunningFleet, count: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i++) answers.push(await pay(fleet));
  return answers;
}

async function waitUntilUnready(fleet: RunningFleet): Promise<void> {
  const api2 = fleet.json.instances[1] ?? '';
  await waitFor(async () => (await statusOf(`${api2}/health/ready`)) === 503, { timeoutMs: 10_000, intervalMs: 100, description: 'api-2 /health/ready to answer 503' });
}

async function routing(fleet: RunningFleet): Promise<RoutingStatusFile> {
  return JSON.parse(await readFile(join(fleet.json.dir, ROUTING_STATUS_FILE_NAME), 'utf8')) as RoutingStatusFile;
}

async function stop(fleet: RunningFleet): Promise<void> {
  if (fleet.child.pid !== undefined) process.kill(-fleet.child.pid, 'SIGTERM');
  expect(await withTimeout(fleet.exited, STOP_TIMEOUT_MS, 'the launcher to exit')).toBe(0);
  proxy.heal();
}

it(
  'without readiness routing (as before), nginx keeps sending payments to the instance cut off from Redis, and they answer 503',
  async () => {
    const fleet = await startFleet(fleetEnv('off'));
    try {
      expect(await routing(fleet)).toEqual({ enabled: false, noneReady: false, reloads: 0, instances: { 'api-1': { ready: true, routed: true }, 'api-2': { ready: true, routed: true } } });
      cutApi2();
      await waitUntilUnready(fleet);
      const answers = await payments(fleet, PAYMENTS);
      expect(answers.filter((a) => a.status === 503 && a.instance === 'api-2').length).toBeGreaterThan(0);
      expect(fleet.stderr()).not.toContain('taking it out of nginx');
    } finally {
      await stop(fleet);
    }
  },
  FLEET_START_TIMEOUT_MS + 40_000,
);

it(
  'with readiness routing, the launcher takes the cut-off instance out of nginx (every payment 201) and puts it back once it reaches Redis again; with Redis down for all it takes none out',
  async () => {
    const fleet = await startFleet(fleetEnv('on'));
    try {
      expect(fleet.json.routingFile).toBe(join(fleet.json.dir, ROUTING_STATUS_FILE_NAME));
      cutApi2();
      await waitUntilUnready(fleet);
      const out = /^\[fleet\] nginx reloaded: routing to api-1; out \(not ready\): api-2$/m;
      await waitFor(() => out.test(fleet.stderr()), { timeoutMs: 15_000, intervalMs: 100, description: `the line ${out.source}` });
      expect(fleet.stderr()).toMatch(/^\[fleet\] api-2 not ready \(3 failed readiness checks in a row, last: HTTP 503\): taking it out of nginx$/m);
      expect(await routing(fleet)).toEqual({ enabled: true, noneReady: false, reloads: 1, instances: { 'api-1': { ready: true, routed: true }, 'api-2': { ready: false, routed: false } } });

      const during = await payments(fleet, PAYMENTS);
      expect(during).toEqual(Array.from({ length: PAYMENTS }, () => ({ status: 201, instance: 'api-1' })));
      // api-2 itself still cannot record a payment: the 201s above are nginx's doing.
      expect(await statusOf(`${fleet.json.instances[1] ?? ''}/health/ready`)).toBe(503);

      proxy.heal();
      const back = /^\[fleet\] nginx reloaded: routing to api-1, api-2$/m;
      await waitFor(() => back.test(fleet.stderr()), { timeoutMs: 20_000, intervalMs: 100, description: `the line ${back.source}` });
      expect(fleet.stderr()).toMatch(/^\[fleet\] api-2 ready again \(2 good readiness checks in a row\): putting it back into nginx$/m);
      expect(await routing(fleet)).toEqual({ enabled: true, noneReady: false, reloads: 2, instances: { 'api-1': { ready: true, routed: true }, 'api-2': { ready: true, routed: true } } });
      const after = await payments(fleet, PAYMENTS);
      expect(after.every((a) => a.status === 201)).toBe(true);
      expect(after.some((a) => a.instance === 'api-2')).toBe(true);

      // Redis down for every instance: none is ready, and none is taken out, so each payment is
      // an instance's own 503 with Retry-After, never nginx's answer for "no instance".
      await redis.kill();
      await waitFor(async () => (await routing(fleet)).noneReady, { timeoutMs: 20_000, intervalMs: 100, description: 'routing.json to say no instance is ready' });
      await waitFor(async () => Object.values((await routing(fleet)).instances).every((i) => i.routed && !i.ready), { timeoutMs: 10_000, intervalMs: 100, description: 'routing.json: both instances routed and not ready' });
      expect(fleet.stderr()).toMatch(/^\[fleet\] no instance is ready: nginx keeps routing to all of them$/m);
      const refused = await fetch(`${fleet.json.lb}/payments`, { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': randomUUID() }, body: JSON.stringify(PAYMENT) });
      const body = (await refused.json()) as { message?: unknown };
      expect({ status: refused.status, fromInstance: refused.headers.get('x-instance-id') !== null, retryAfter: refused.headers.get('retry-after') !== null }).toEqual({ status: 503, fromInstance: true, retryAfter: true });
      expect(body.message).not.toBe('no payment-api instance answered');

      await redis.restart();
      await waitFor(async () => {
        const state = await routing(fleet);
        return !state.noneReady && Object.values(state.instances).every((i) => i.routed && i.ready);
      }, { timeoutMs: 20_000, intervalMs: 100, description: 'routing.json: both instances ready and routed again' });
    } finally {
      await stop(fleet);
    }
  },
  FLEET_START_TIMEOUT_MS + 60_000,
);
