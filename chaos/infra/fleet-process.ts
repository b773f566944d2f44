// A fleet started by the suite: the launcher (scripts/fleet.ts) in its own process group, with
// --redis-url pointing at the suite's fault proxy and --dir in the report, so restarts.json, the
// audit export and the launcher's log stay with the experiment's results. Stopped with SIGTERM to
// the group (the launcher stops its parts in order), SIGKILL to the group if that takes too long.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { FleetReady } from '../../scripts/fleet/launch-fleet';
import { freePort } from './free-port';
import { killGroupOnExit, signal, sleep } from './process-signals';

const ROOT = join(__dirname, '..', '..');
const READY_LINE = /^FLEET READY (\{.*\})$/m;
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
const TAIL_LIMIT = 8_192;

export class FleetStartError extends Error {
  override readonly name = 'FleetStartError';
  readonly code = 'CHAOS_FLEET_START';
}

export interface FleetSettings {
  instances: number;
  redisUrl: string;
  dir: string;
  /** Given in the environment (ADMIN_TOKEN), never on a command line; at least 32 characters. */
  adminToken: string;
  env: Record<string, string>;
  /** The launcher's stderr (every part's lines) is appended here. */
  logFile: string;
}

export class FleetProcess {
  private readonly exited: Promise<void>;
  private stopping: Promise<void> | undefined;
  private readonly forget: () => void;

  private constructor(
    private readonly child: ChildProcess,
    readonly ready: FleetReady,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    this.forget = child.pid === undefined ? () => undefined : killGroupOnExit(child.pid);
  }

  static async start(settings: FleetSettings): Promise<FleetProcess> {
    const port = await freePort();
    const args = ['--import', 'tsx', 'scripts/fleet.ts', '--instances', String(settings.instances), '--port', String(port), '--redis-url', settings.redisUrl, '--dir', settings.dir];
    const child = spawn(process.execPath, args, { cwd: ROOT, detached: true, env: { ...process.env, ...settings.env, ADMIN_TOKEN: settings.adminToken }, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(settings.logFile, { flags: 'a' });
    let tail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      tail = (tail + chunk.toString()).slice(-TAIL_LIMIT);
    });
    child.once('exit', () => log.end());
    let stdout = '';
    try {
      const ready = await new Promise<FleetReady>((resolve, reject) => {
        const timer = setTimeout(() => reject(new FleetStartError(`no FLEET READY within ${START_TIMEOUT_MS} ms:\n${tail}`)), START_TIMEOUT_MS);
        child.stdout?.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = READY_LINE.exec(stdout);
          if (match === null) return;
          clearTimeout(timer);
          resolve(JSON.parse(match[1] ?? '{}') as FleetReady);
        });
        child.once('exit', (code, sig) => {
          clearTimeout(timer);
          reject(new FleetStartError(`the launcher exited (${code ?? sig}) before FLEET READY:\n${tail}`));
        });
      });
      return new FleetProcess(child, ready);
    } catch (error) {
      if (child.pid !== undefined) signal(-child.pid, 'SIGKILL');
      throw error;
    }
  }

  /** SIGTERM to the group; SIGKILL to it after STOP_TIMEOUT_MS. Safe to call twice. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      const pid = this.child.pid;
      if (pid === undefined) return;
      signal(-pid, 'SIGCONT'); // a frozen instance must be able to die of SIGTERM
      signal(-pid, 'SIGTERM');
      const timedOut = await Promise.race([this.exited.then(() => false), sleep(STOP_TIMEOUT_MS).then(() => true)]);
      if (timedOut) signal(-pid, 'SIGKILL');
      await this.exited;
      // The parts got the group's SIGTERM too; nothing of the group may outlive the launcher.
      await sleep(500);
      signal(-pid, 'SIGKILL');
      this.forget();
    })());
  }
}
