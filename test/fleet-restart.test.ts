// Given a fleet started the way the contract smoke test starts it, when a part exits on its own
// after READY, then the launcher starts it again on the same address (docs/fleet.md, "Restarts"):
// an instance SIGKILLed while payments flow through nginx comes back on its URL, says so on stderr
// and in restarts.json, and no payment fails; Redis and the simulator come back the same way; and
// a SIGTERM to the launcher while it waits to restart an instance stops everything, exits 0 and
// restarts nothing. The first wait is 1.5 s here (FLEET_RESTART_DELAY_MS) so the test can act in it.
// Needs nginx and redis-server (scripts/setup.sh installs both); starts no shared services.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RESTART_STATUS_FILE_NAME, type RestartStatusFile } from '../scripts/fleet/restart-status';
import { expectEverythingStopped, FLEET_START_TIMEOUT_MS, fleetRedisUrl, isAlive, killStartedFleets, PAYMENT, postPayment, startFleet, withTimeout, type RunningFleet } from './support/fleet-launcher-process';
import { sleep, waitFor } from './support/wait-for';

const FIRST_DELAY_MS = 1_500;
/**
 * A short deadline, so a short lease (twice it): the payment in flight on the instance when it is
 * killed is recoverable by its client's retry soon (docs/payment-gateway.md, "Recovery").
 */
const DEADLINE_MS = 2_000;
const LEASE_MS = 2 * DEADLINE_MS;
/** N NestJS instances boot slowly on a busy 2-core machine. */
const RESTART_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

let fleet: RunningFleet;

beforeAll(async () => {
  fleet = await startFleet({ FLEET_RESTART_DELAY_MS: String(FIRST_DELAY_MS), PAYMENT_DEADLINE_MS: String(DEADLINE_MS) });
}, FLEET_START_TIMEOUT_MS + 5_000);

afterAll(killStartedFleets);

function pidOf(name: string): number {
  const pid = fleet.json.pids[name];
  if (pid === undefined) throw new Error(`no pid for ${name} in the READY line`);
  return pid;
}

/** Waits for the launcher's `<name> restarted (pid N), restart <n>` line; resolves with N. */
async function restartedPid(name: string, restart: number): Promise<number> {
  const line = new RegExp(`^\\[fleet\\] ${name} restarted \\(pid (\\d+)\\), restart ${restart}$`, 'm');
  await waitFor(() => line.test(fleet.stderr()), { timeoutMs: RESTART_TIMEOUT_MS, intervalMs: 100, description: `the line "${line.source}"` });
  return Number(line.exec(fleet.stderr())?.[1]);
}

async function restartStatus(): Promise<RestartStatusFile> {
  return JSON.parse(await readFile(join(fleet.json.dir, RESTART_STATUS_FILE_NAME), 'utf8')) as RestartStatusFile;
}

async function status(url: string): Promise<number | undefined> {
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
  error: unknown;
  key: string;
}

/** POST /payments through nginx with this Idempotency-Key. */
async function pay(key: string): Promise<Answer> {
  const response = await fetch(`${fleet.json.lb}/payments`, { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': key }, body: JSON.stringify(PAYMENT) });
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, instance: response.headers.get('x-instance-id'), error: body.error, key };
}

/** Payments through nginx one after the other until stopped: the answer of each. */
function paymentsInABackground(): { stop: () => Promise<Answer[]> } {
  const answers: Answer[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      answers.push(await pay(randomUUID()));
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return answers;
    },
  };
}

const restartedPids: number[] = [];

it('starts a SIGKILLed instance again on its URL, says so, counts it; every payment through nginx is 201, but for one in flight on the killed instance, told its key is in use until its retry after the lease succeeds', async () => {
  const [, api2] = fleet.json.instances as [string, string];
  expect(await restartStatus()).toEqual({
    parts: {
      redis: { restarts: 0, pid: pidOf('redis'), up: true },
      sim: { restarts: 0, pid: pidOf('sim'), up: true },
      'api-1': { restarts: 0, pid: pidOf('api-1'), up: true },
      'api-2': { restarts: 0, pid: pidOf('api-2'), up: true },
    },
  });
  const payments = paymentsInABackground();
  await sleep(300);
  process.kill(pidOf('api-2'), 'SIGKILL');

  const pid = await restartedPid('api-2', 1);
  restartedPids.push(pid);
  expect(fleet.stderr()).toContain(`[fleet] api-2 (pid ${pidOf('api-2')}) was killed by SIGKILL; restart 1 in ${FIRST_DELAY_MS} ms\n`);
  expect(pid).not.toBe(pidOf('api-2'));
  expect(isAlive(pid)).toBe(true);
  await waitFor(async () => (await status(`${api2}/health/ready`)) === 200, { timeoutMs: 30_000, intervalMs: 200, description: `GET ${api2}/health/ready to answer 200` });
  expect(await restartStatus()).toEqual(
    expect.objectContaining({
      parts: expect.objectContaining({
        'api-1': { restarts: 0, pid: pidOf('api-1'), up: true },
        'api-2': { restarts: 1, pid, up: true, lastExit: 'was killed by SIGKILL' },
      }),
    }),
  );

  // nginx takes the restarted instance back (after its fail_timeout of 2 s).
  const answered = Date.now();
  await waitFor(async () => {
    const response = await postPayment(fleet.json.lb);
    await response.arrayBuffer();
    return response.status === 201 && response.headers.get('x-instance-id') === 'api-2';
  }, { timeoutMs: 20_000, intervalMs: 100, description: 'a payment answered by the restarted api-2' });
  expect(Date.now() - answered).toBeLessThan(20_000);

  const answers = await payments.stop();
  expect(answers.length).toBeGreaterThan(5);
  // The one payment that may have been in flight on api-2 when it died: its request holds the
  // key until the lease ends, so the request nginx moved to api-1 is told the key is in use
  // (409 with Retry-After) rather than charging a second time. Its client's retry after the
  // lease recovers it. Every other payment is 201.
  const inUse = answers.filter((answer) => answer.status === 409);
  expect(inUse.length).toBeLessThanOrEqual(1);
  expect(inUse.map((answer) => answer.error)).toEqual(inUse.map(() => 'IDEMPOTENCY_KEY_IN_USE'));
  expect(answers.filter((answer) => answer.status !== 201 && answer.status !== 409)).toEqual([]);
  for (const answer of inUse) {
    await sleep(LEASE_MS);
    const retry = await pay(answer.key);
    expect([200, 201]).toContain(retry.status);
  }
}, RESTART_TIMEOUT_MS + 60_000);

it('starts Redis again on its port from its AOF, and payments succeed again', async () => {
  const before = await postPayment(fleet.json.lb);
  const { id } = (await before.json()) as { id: string };
  expect(before.status).toBe(201);
  await sleep(1_100); // appendfsync everysec
  process.kill(pidOf('redis'), 'SIGKILL');

  const pid = await restartedPid('redis', 1);
  restartedPids.push(pid);
  expect(fleet.stderr()).toContain(`[fleet] redis (pid ${pidOf('redis')}) was killed by SIGKILL; restart 1 in ${FIRST_DELAY_MS} ms\n`);
  const redis = new Redis(fleetRedisUrl(fleet.json), { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    expect(Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1])).toBe(pid);
  } finally {
    redis.disconnect();
  }
  await waitFor(async () => (await postPayment(fleet.json.lb)).status === 201, { timeoutMs: 30_000, intervalMs: 250, description: 'a payment to succeed after the Redis restart' });
  // The payment taken before the kill is still there: the restarted Redis read its AOF.
  expect((await fetch(`${fleet.json.lb}/payments/${id}`)).status).toBe(200);
  expect((await restartStatus()).parts.redis).toEqual({ restarts: 1, pid, up: true, lastExit: 'was killed by SIGKILL' });
}, RESTART_TIMEOUT_MS + 40_000);

it('starts the simulator again on its URL', async () => {
  process.kill(pidOf('sim'), 'SIGKILL');
  const pid = await restartedPid('sim', 1);
  restartedPids.push(pid);
  expect(await status(`${fleet.json.sim}/health`)).toBe(200);
  expect((await restartStatus()).parts.sim).toEqual({ restarts: 1, pid, up: true, lastExit: 'was killed by SIGKILL' });
}, RESTART_TIMEOUT_MS);

it('stops everything and exits 0 on SIGTERM during a restart wait, and restarts nothing', async () => {
  process.kill(pidOf('api-1'), 'SIGKILL');
  const waiting = `[fleet] api-1 (pid ${pidOf('api-1')}) was killed by SIGKILL; restart 1 in ${FIRST_DELAY_MS} ms\n`;
  await waitFor(() => fleet.stderr().includes(waiting), { timeoutMs: 5_000, description: 'the restart wait of api-1' });
  process.kill(pidOf('fleet'), 'SIGTERM');

  expect(await withTimeout(fleet.exited, STOP_TIMEOUT_MS, 'the launcher did not exit')).toBe(0);
  await sleep(FIRST_DELAY_MS); // when a restart would have happened
  const afterTerm = fleet.stderr().slice(fleet.stderr().indexOf(waiting) + waiting.length);
  expect(afterTerm).not.toMatch(/restart/);
  await expectEverythingStopped(fleet, restartedPids);
}, STOP_TIMEOUT_MS + 10_000);
