// A launcher fleet of three gateway instances on a Redis a failover test started (`npm run fleet
// -- --instances 3`, in its own process group), with the settings the failover tests run under.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { FleetReady } from '../../scripts/fleet/launch-fleet';
import { findFreePort } from '../support/redis-server';

const ROOT = join(__dirname, '..', '..');
const READY_LINE = /^FLEET READY (\{.*\})$/m;
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * What every failover test fleet runs with: the waiting mode on (a write that decides money is on
 * a replica before the payment is acknowledged), and a short payment deadline, so the lease of a
 * key whose request failed (twice the deadline) ends within the test.
 */
export const FAILOVER_FLEET_ENV: NodeJS.ProcessEnv = {
  OPERATOR_AUTH: 'off',
  REDIS_WAIT_REPLICAS: '1',
  REDIS_WAIT_TIMEOUT_MS: '500',
  PAYMENT_DEADLINE_MS: '5000',
};

export interface FleetOfThree {
  readonly json: FleetReady;
  /** Everything the launcher wrote on stderr so far. */
  stderr(): string;
  /** SIGTERM to the launcher's group, then wait for it to exit; SIGKILL after 30 s. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** For afterAll: SIGKILLs every fleet still running (a test that failed half-way). */
export function killFleetsOfThree(): void {
  for (const child of running) signalGroup(child, 'SIGKILL');
  running.clear();
}

export async function startFleetOfThree(redisUrl: string, env: NodeJS.ProcessEnv = {}): Promise<FleetOfThree> {
  const port = await findFreePort();
  const child = spawn('npm', ['run', '-s', 'fleet', '--', '--instances', '3', '--port', String(port)], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, ADMIN_TOKEN: `failover-test-${randomUUID()}`, FLEET_REDIS_URL: redisUrl, ...FAILOVER_FLEET_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const json = await new Promise<FleetReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no FLEET READY within ${START_TIMEOUT_MS} ms:\n${stderr.slice(-4_000)}`)), START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = READY_LINE.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      resolve(JSON.parse(match[1] ?? '') as FleetReady);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the launcher exited before FLEET READY:\n${stderr.slice(-4_000)}`));
    });
  });
  return {
    json,
    stderr: () => stderr,
    stop: async () => {
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      running.delete(child);
    },
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
