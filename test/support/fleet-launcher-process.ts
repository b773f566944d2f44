// The fleet launcher as the contract smoke test runs it (`npm run -s fleet -- --instances 2 --port
// <free>`, in its own process group), for the tests that start whole fleets: wait for FLEET READY,
// keep its output, and check afterwards that nothing it started is left.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { findFreePort } from './redis-server';
import type { FleetReady } from '../../scripts/fleet/launch-fleet';

const ROOT = join(__dirname, '..', '..');
const READY_LINE = /^FLEET READY (\{.*\})$/m;
export const FLEET_START_TIMEOUT_MS = 60_000;
/** At least 32 characters, as every instance requires. */
export const FLEET_TEST_ADMIN_TOKEN = `fleet-launcher-test-${randomUUID()}`;
const OUTPUT_LIMIT = 8_192;
export const PAYMENT = {
  amount: 1299,
  currency: 'EUR',
  customerId: 'c-1',
  items: [{ sku: 'sku-1', qty: 1 }],
  paymentMethod: { type: 'card', token: 'tok_visa' },
  notify: { email: 'a@b.c' },
};

export interface RunningFleet {
  lbPort: number;
  child: ChildProcess;
  json: FleetReady;
  stdout: () => string;
  /** Everything the launcher wrote on stderr so far. */
  stderr: () => string;
  /** The npm process's exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

const started: RunningFleet[] = [];

/** Spawns the launcher in its own process group, as smoke.mjs does, and waits for FLEET READY. */
export async function startFleet(env: NodeJS.ProcessEnv = {}): Promise<RunningFleet> {
  const lbPort = await findFreePort();
  const child = spawn('npm', ['run', '-s', 'fleet', '--', '--instances', '2', '--port', String(lbPort)], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, ADMIN_TOKEN: FLEET_TEST_ADMIN_TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  });
  const json = await new Promise<FleetReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no FLEET READY within ${FLEET_START_TIMEOUT_MS} ms:\n${output}`)), FLEET_START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
      const match = READY_LINE.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      resolve(JSON.parse(match[1] ?? '') as FleetReady);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the launcher exited with ${code} before FLEET READY:\n${output}`));
    });
  });
  const fleet = { lbPort, child, json, stdout: () => stdout, stderr: () => stderr, exited };
  started.push(fleet);
  return fleet;
}

/** For afterAll: SIGKILLs the process group of every fleet still running. */
export function killStartedFleets(): void {
  for (const fleet of started) {
    if (fleet.child.exitCode !== null || fleet.child.pid === undefined) continue;
    try {
      process.kill(-fleet.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** The fleet's Redis URL with its credentials (the READY line's `redis` has none). */
export function fleetRedisUrl(fleet: FleetReady): string {
  return readFileSync(fleet.redisUrlFile, 'utf8').trim();
}

export function portsOf(fleet: FleetReady): number[] {
  return [fleet.lb, fleet.sim, fleet.redis, ...fleet.instances].map(portOf);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when a TCP connection to 127.0.0.1:`port` is refused. */
export function isClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every pid of the READY line is gone and every port is closed. */
export async function expectEverythingStopped(fleet: RunningFleet, extraPids: readonly number[] = []): Promise<void> {
  for (const [name, pid] of [...Object.entries(fleet.json.pids), ...extraPids.map((pid) => [`pid ${pid}`, pid] as const)]) {
    expect({ name, alive: isAlive(pid) }).toEqual({ name, alive: false });
  }
  for (const port of portsOf(fleet.json)) expect({ port, closed: await isClosed(port) }).toEqual({ port, closed: true });
}

export function postPayment(lb: string): Promise<Response> {
  return fetch(`${lb}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Idempotency-Key': randomUUID() },
    body: JSON.stringify(PAYMENT),
  });
}
