// The quick start's first command, `npm start` (scripts/start.sh), and `npm stop`: the fleet comes
// up in the background, says where to look, writes the shell file the walkthrough sources, a
// second start finds it running, a taken load-balancer port is refused with a message that says
// what to do, and stop leaves nothing listening. One instance, on free ports, with a state
// directory of its own, so it runs beside a fleet a developer already started.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FleetReady } from '../scripts/fleet/launch-fleet';
import { findFreePort } from './support/redis-server';

const ROOT = join(__dirname, '..');
const START_TIMEOUT_MS = 180_000;

let stateDir: string;

function run(script: 'start' | 'stop', env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', [join(ROOT, 'scripts', `${script}.sh`)], {
    cwd: ROOT,
    encoding: 'utf8',
    // SKIP_SETUP: setup may run npm ci, which would empty node_modules under this very test run.
    env: { ...process.env, FLEET_STATE_DIR: stateDir, FLEET_INSTANCES: '1', ADMIN_TOKEN: '', SKIP_SETUP: '1', ...env },
    timeout: START_TIMEOUT_MS,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function isClosed(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/`).then(
    () => false,
    () => true,
  );
}

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'bw-quick-start-'));
});

afterEach(() => {
  run('stop', {});
  rmSync(stateDir, { recursive: true, force: true });
});

it(
  'npm start brings the fleet up in the background and says where to look; npm stop stops it',
  async () => {
    const lbPort = await findFreePort();
    const started = run('start', { FLEET_PORT: String(lbPort) });
    expect(started.stderr).not.toMatch(/failed|stopped/);
    expect(started.status).toBe(0);
    expect(started.stdout).toContain(`load balancer  http://127.0.0.1:${lbPort}`);
    expect(started.stdout).toContain(`metrics        http://127.0.0.1:${lbPort}/metrics`);
    expect(started.stdout).toContain('Stop it with: npm stop');

    const ready = JSON.parse(readFileSync(join(stateDir, 'ready.json'), 'utf8')) as FleetReady;
    expect(ready.lb).toBe(`http://127.0.0.1:${lbPort}`);
    const env = readFileSync(join(stateDir, 'env'), 'utf8');
    expect(env).toContain(`export LB='${ready.lb}'`);
    expect(env).toContain(`export SIM='${ready.sim}'`);
    // The generated admin token is kept for the next start and handed to the shell file.
    const token = readFileSync(join(stateDir, 'admin-token'), 'utf8');
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(env).toContain(`export ADMIN_TOKEN='${token}'`);
    // The shell file's FLEET_REDIS carries the fleet Redis's credentials; the READY line does not (issue 13).
    expect(env).toContain(`export FLEET_REDIS='${readFileSync(ready.redisUrlFile, 'utf8').trim()}'`);
    expect(ready.redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(started.stdout).not.toContain(token);
    expect(started.stderr).not.toContain(token);
    // The state directory and everything in it are private.
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(stateDir)) expect({ name, mode: statSync(join(stateDir, name)).mode & 0o077 }).toEqual({ name, mode: 0 });

    expect((await fetch(`${ready.lb}/health/ready`)).status).toBe(200);
    // npm start puts the operator reads behind the admin token (OPERATOR_AUTH=token).
    expect((await fetch(`${ready.lb}/metrics`)).status).toBe(401);
    const metrics = await fetch(`${ready.lb}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);

    const again = run('start', { FLEET_PORT: String(lbPort) });
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('already running');

    const stopped = run('stop', {});
    expect(stopped.status).toBe(0);
    for (const url of [ready.lb, ready.sim, ...ready.instances]) expect(await isClosed(Number(new URL(url).port))).toBe(true);
    expect(existsSync(join(stateDir, 'fleet.pid'))).toBe(false);
    expect(existsSync(join(stateDir, 'env'))).toBe(false);
  },
  START_TIMEOUT_MS * 2,
);

it('refuses an ADMIN_TOKEN under 32 characters and says what to do (issue 13)', () => {
  const started = run('start', { ADMIN_TOKEN: 'too-short' });
  expect(started.status).toBe(1);
  expect(started.stderr).toContain('ADMIN_TOKEN must be at least 32 characters (it has 9)');
  expect(started.stderr).toContain('openssl rand -hex 32');
  expect(existsSync(join(stateDir, 'fleet.pid'))).toBe(false);
});

it('refuses a taken load-balancer port and says what to do', async () => {
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as { port: number }).port;
  try {
    const started = run('start', { FLEET_PORT: String(port) });
    expect(started.status).toBe(1);
    expect(started.stderr).toContain(`port ${port} (the load balancer's) is taken by another program`);
    expect(started.stderr).toContain('FLEET_PORT=18080 npm start');
    expect(existsSync(join(stateDir, 'fleet.pid'))).toBe(false);
  } finally {
    holder.close();
  }
});
