// Rewrites the launcher's nginx config with some upstreams marked `down` and reloads nginx
// gracefully (`nginx -s reload` with the launcher's own prefix and config: it signals the master
// through <prefix>/nginx.pid). Old workers finish the requests they hold; new ones use the new
// upstream block.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { renderNginxConfig, type NginxConfigValues } from './nginx-config';
import { writePrivateFile } from './secrets';

const run = promisify(execFile);
const RELOAD_COMMAND_TIMEOUT_MS = 10_000;
/** How long the master may take to start workers on the new config. */
const NEW_WORKERS_TIMEOUT_MS = 5_000;
const NEW_WORKERS_POLL_MS = 25;

/** Everything needed to write the load balancer's config again, as it was started. */
export interface NginxSetup {
  binary: string;
  /** The `-p` prefix directory (no trailing slash). */
  prefix: string;
  configFile: string;
  template: string;
  values: Omit<NginxConfigValues, 'down'>;
}

export class NginxReloadError extends Error {
  override readonly name = 'NginxReloadError';
  readonly code = 'FLEET_NGINX_RELOAD_FAILED';

  constructor(readonly detail: string) {
    super(`nginx -s reload failed: ${detail}`);
  }
}

export function nginxArgs(setup: NginxSetup): string[] {
  return ['-e', 'stderr', '-p', `${setup.prefix}/`, '-c', setup.configFile];
}

export async function writeNginxConfig(setup: NginxSetup, down: ReadonlySet<string> = new Set()): Promise<void> {
  await writePrivateFile(setup.configFile, renderNginxConfig(setup.template, { ...setup.values, down }));
}

/**
 * Writes the config with `down` marked, asks the running nginx (master `masterPid`) to reload it,
 * and resolves once the master runs a worker it did not run before: `nginx -s reload` only sends
 * the signal, and a config the master refuses starts no worker (it keeps the old one and says why
 * on its stderr, which the launcher echoes as `[lb]`).
 */
export async function reloadWithDown(setup: NginxSetup, masterPid: number | undefined, down: ReadonlySet<string>): Promise<void> {
  await writeNginxConfig(setup, down);
  const before = masterPid === undefined ? undefined : await childrenOf(masterPid);
  try {
    await run(setup.binary, [...nginxArgs(setup), '-s', 'reload'], { timeout: RELOAD_COMMAND_TIMEOUT_MS });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new NginxReloadError(typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim().split('\n').slice(-1)[0] ?? '' : (error as Error).message);
  }
  if (masterPid === undefined || before === undefined) return;
  const started = await waitForChildren(masterPid, (now) => now.some((pid) => !before.includes(pid)));
  if (!started) throw new NginxReloadError(`no new worker within ${NEW_WORKERS_TIMEOUT_MS / 1000} s: the master kept its old config (its reason is on the [lb] lines)`);
  // An old worker still accepts connections until it has handled the master's QUIT; once it is
  // gone the new upstream block is the only one. One that still finishes a long request (up to
  // nginx's 10 s read timeout) is no reason to report the reload as failed.
  await waitForChildren(masterPid, (now) => !now.some((pid) => before.includes(pid)));
}

/** Polls the master's children until `done` holds (true), or NEW_WORKERS_TIMEOUT_MS passes (false). */
async function waitForChildren(masterPid: number, done: (children: number[]) => boolean): Promise<boolean> {
  const deadline = Date.now() + NEW_WORKERS_TIMEOUT_MS;
  for (;;) {
    const now = await childrenOf(masterPid);
    if (now === undefined || done(now)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(NEW_WORKERS_POLL_MS);
  }
}

/** The master's child pids (Linux /proc), or undefined where that cannot be read. */
async function childrenOf(pid: number): Promise<number[] | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.split(/\s+/).filter((s) => s !== '').map(Number);
  } catch {
    return undefined;
  }
}
