// The fleet under test for bench/gateway.bench.ts: `npm run -s fleet -- --instances N --port P`
// (or the bare gateway's bench/baseline/baseline-fleet.ts, same options and READY line),
// spawned in its own process group (as test/fleet-launcher.test.ts and the contract smoke test do),
// ready on its `FLEET READY {json}` line, stopped with SIGTERM to the whole group.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { FleetReady } from '../../scripts/fleet/launch-fleet';

const ROOT = join(__dirname, '..', '..');
const READY_LINE = /^FLEET READY (\{.*\})$/m;
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;
const OUTPUT_LIMIT = 16_384;

const BARE_FLEET = join(ROOT, 'bench', 'baseline', 'baseline-fleet.ts');

/** Which gateway the fleet runs: Breakwater's payment-api, or the bare baseline (bench/baseline). */
export type FleetKind = 'breakwater' | 'bare';

/** The launcher's FLEET READY JSON. */
export type FleetJson = FleetReady;

export interface StopReport {
  /** The launcher's exit code; null when it was killed by a signal. */
  exitCode: number | null;
  /** SIGKILL to the group was needed because SIGTERM did not end the launcher in time. */
  killed: boolean;
  /** Names from the READY JSON `pids` whose process is still alive after the stop. */
  survivors: string[];
}

export class FleetProcess {
  private stopped: Promise<StopReport> | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly json: FleetJson,
    private readonly exited: Promise<number | null>,
    private readonly tail: () => string,
  ) {}

  /**
   * Spawns the launcher detached and resolves with its READY JSON (rejects with its last output):
   * `npm run fleet` for Breakwater, bench/baseline/baseline-fleet.ts for the bare gateway.
   */
  static async start(instances: number, port: number, env: NodeJS.ProcessEnv = {}, launcher: FleetKind = 'breakwater'): Promise<FleetProcess> {
    const options = ['--instances', String(instances), '--port', String(port)];
    const [command, args] = launcher === 'breakwater' ? ['npm', ['run', '-s', 'fleet', '--', ...options]] : [process.execPath, ['--import', 'tsx', BARE_FLEET, ...options]];
    const child = spawn(command, args, {
      cwd: ROOT,
      detached: true,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
    };
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const json = await new Promise<FleetJson>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no FLEET READY within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
      child.stdout?.on('data', (chunk: Buffer) => {
        keep(chunk);
        stdout += chunk.toString();
        const match = READY_LINE.exec(stdout);
        if (match === null) return;
        clearTimeout(timer);
        resolve(JSON.parse(match[1] ?? '') as FleetJson);
      });
      child.stderr?.on('data', keep); // every part's output: kept as a tail, read so the pipe never fills
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the launcher exited with ${code} before FLEET READY:\n${output}`));
      });
    }).catch((error: unknown) => {
      signalGroup(child, 'SIGKILL');
      throw error;
    });
    return new FleetProcess(child, json, exited, () => output);
  }

  /** The last lines the fleet printed (stdout and stderr, every part prefixed with its name). */
  lastOutput(): string {
    return this.tail();
  }

  /** SIGTERM to the process group, SIGKILL after STOP_TIMEOUT_MS; then checks every part is gone. */
  stop(): Promise<StopReport> {
    return (this.stopped ??= (async () => {
      let killed = false;
      if (this.child.exitCode === null && this.child.signalCode === null) {
        signalGroup(this.child, 'SIGTERM');
        const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref());
        if ((await Promise.race([this.exited, timer])) === 'timeout') {
          killed = true;
          signalGroup(this.child, 'SIGKILL');
        }
      }
      const exitCode = await this.exited;
      // Parts get SIGTERM from the group signal too; give the last of them a moment to go.
      const deadline = Date.now() + 5_000;
      let survivors = this.aliveParts();
      while (survivors.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        survivors = this.aliveParts();
      }
      return { exitCode, killed, survivors };
    })());
  }

  /** Synchronous last resort (process exit, SIGINT): SIGKILL to the whole group. */
  kill(): void {
    signalGroup(this.child, 'SIGKILL');
  }

  private aliveParts(): string[] {
    return Object.entries(this.json.pids)
      .filter(([, pid]) => isAlive(pid))
      .map(([name]) => name);
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
