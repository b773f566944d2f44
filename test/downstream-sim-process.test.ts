// The downstream simulator as a process, as the fleet launcher runs it: it prints one READY line
// with its URL, takes a free port when the default one is taken, refuses a taken port it was told
// to use, and exits 0 on SIGTERM, whether the signal reaches the whole group (Ctrl-C, a launcher
// killing its group) or only the npm process (a supervisor that knows one pid).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'apps', 'downstream-sim', 'src', 'main.ts');
const READY_LINE = /^SIM READY (\{.*\})$/m;
const START_TIMEOUT_MS = 20_000;
const DEFAULT_PORT = 4000;

interface Started {
  child: ChildProcess;
  url: string;
  stdout: () => string;
}

/** Spawns the command in its own process group (npm -> sh -> tsx -> node) and waits for READY. */
function startSim(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const child = spawn(command, args, { cwd: ROOT, detached: true, env: { ...process.env, PORT: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no READY line within ${START_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`)), START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = READY_LINE.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      resolve({ child, url: (JSON.parse(match[1] ?? '{}') as { url: string }).url, stdout: () => stdout });
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before READY:\n${stdout}\n${stderr}`));
    });
  });
}

async function stopGroup(child: ChildProcess): Promise<number | null> {
  const exited = once(child, 'exit') as Promise<[number | null]>;
  if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  const [code] = await exited;
  return code;
}

/** SIGTERM to the npm process alone, as a supervisor holding only its pid would send. */
async function stopLeader(child: ChildProcess): Promise<number | null> {
  const exited = once(child, 'exit') as Promise<[number | null]>;
  if (child.exitCode === null) child.kill('SIGTERM');
  const [code] = await exited;
  return code;
}

/** Whether anything still answers at `url` (connection refused means nothing listens). */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

/** Best-effort cleanup of whatever a failed test left in the group. */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

it('`npm run sim -- --port 0` prints the READY line and serves', async () => {
  const sim = await startSim('npm', ['run', 'sim', '--', '--port', '0']);
  try {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
  } finally {
    await stopGroup(sim.child);
  }
});

it('`npm run sim` exits 0 on a SIGTERM to its process group', async () => {
  const sim = await startSim('npm', ['run', 'sim', '--', '--port', '0']);
  try {
    expect(await stopGroup(sim.child)).toBe(0);
    expect(await answers(sim.url)).toBe(false);
  } finally {
    killGroup(sim.child);
  }
});

it('`npm run sim` exits 0 on a SIGTERM to the npm process alone, and the simulator stops with it', async () => {
  const sim = await startSim('npm', ['run', 'sim', '--', '--port', '0']);
  try {
    expect(await stopLeader(sim.child)).toBe(0);
    expect(await answers(sim.url)).toBe(false);
  } finally {
    killGroup(sim.child);
  }
});

it('prints exactly one line and exits 0 on SIGTERM', async () => {
  const sim = await startSim(process.execPath, ['--import', 'tsx', MAIN, '--port', '0']);
  const code = await stopGroup(sim.child);
  expect(sim.stdout()).toBe(`SIM READY ${JSON.stringify({ url: sim.url })}\n`);
  expect(code).toBe(0);
});

it('takes a free port when the default port is taken', async () => {
  // Hold 4000 ourselves; if something else already holds it, the scenario is the same.
  const holder = await listenOn(DEFAULT_PORT);
  try {
    const sim = await startSim(process.execPath, ['--import', 'tsx', MAIN]);
    try {
      expect(sim.url).not.toBe(`http://127.0.0.1:${DEFAULT_PORT}`);
      expect((await fetch(`${sim.url}/health`)).status).toBe(200);
    } finally {
      await stopGroup(sim.child);
    }
  } finally {
    holder?.close();
  }
});

it('refuses a taken port it was told to use', async () => {
  const holder = await listenOn(0);
  const port = (holder?.address() as { port: number }).port;
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toMatch(/EADDRINUSE/);
  } finally {
    holder?.close();
  }
});
