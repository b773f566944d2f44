// A fleet of two through the launcher in which api-2 reaches Redis only through a TCP fault proxy
// (FLEET_INSTANCE_HOOK gives it its own REDIS_URL), so a test can cut api-2 alone off from Redis:
// shared by the readiness routing tests (test/fleet-readiness-routing.test.ts and the comparison
// without it, test/slow/fleet-readiness-routing-off.slow.ts).
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROUTING_STATUS_FILE_NAME, type RoutingStatusFile } from '../../scripts/fleet/routing-status';
import { PAYMENT, withTimeout, type RunningFleet } from './fleet-launcher-process';
import { startRedisServer, type RedisServerHandle } from './redis-server';
import { TcpFaultProxy } from './tcp-fault-proxy';
import { waitFor } from './wait-for';

const STOP_TIMEOUT_MS = 20_000;

export interface Api2BehindProxy {
  redis: RedisServerHandle;
  proxy: TcpFaultProxy;
}

export async function startApi2BehindProxy(): Promise<Api2BehindProxy> {
  const redis = await startRedisServer();
  return { redis, proxy: await TcpFaultProxy.start({ port: redis.port }) };
}

export async function cleanUp(setup: Api2BehindProxy | undefined): Promise<void> {
  await setup?.proxy.close();
  await setup?.redis.cleanup();
}

export function fleetEnv(setup: Api2BehindProxy, routing: 'on' | 'off'): NodeJS.ProcessEnv {
  return {
    FLEET_REDIS_URL: setup.redis.url,
    FLEET_INSTANCE_HOOK: JSON.stringify({ instance: 'api-2', env: { REDIS_URL: `redis://127.0.0.1:${setup.proxy.port}` } }),
    FLEET_READINESS_ROUTING: routing,
  };
}

/** api-2's Redis is unreachable: every connection through the proxy is reset, new ones too. */
export function cutApi2(setup: Api2BehindProxy): void {
  setup.proxy.setToxics({ resetNewConnections: true });
  setup.proxy.dropConnections();
}

export async function statusOf(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

export interface Answer {
  status: number;
  instance: string | null;
}

/** POST /payments through nginx, one after the other, each with a new Idempotency-Key. */
export async function payments(fleet: RunningFleet, count: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${fleet.json.lb}/payments`, { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': randomUUID() }, body: JSON.stringify(PAYMENT) });
    await response.arrayBuffer();
    answers.push({ status: response.status, instance: response.headers.get('x-instance-id') });
  }
  return answers;
}

export async function waitUntilApi2Unready(fleet: RunningFleet): Promise<void> {
  const api2 = fleet.json.instances[1] ?? '';
  await waitFor(async () => (await statusOf(`${api2}/health/ready`)) === 503, { timeoutMs: 10_000, intervalMs: 100, description: 'api-2 /health/ready to answer 503' });
}

export async function routingOf(fleet: RunningFleet): Promise<RoutingStatusFile> {
  return JSON.parse(await readFile(join(fleet.json.dir, ROUTING_STATUS_FILE_NAME), 'utf8')) as RoutingStatusFile;
}

/** SIGTERM to the launcher's group; it must exit 0. */
export async function stopFleet(fleet: RunningFleet): Promise<void> {
  if (fleet.child.pid !== undefined) process.kill(-fleet.child.pid, 'SIGTERM');
  const code = await withTimeout(fleet.exited, STOP_TIMEOUT_MS, 'the launcher to exit');
  if (code !== 0) throw new Error(`the launcher exited with ${code}`);
}
