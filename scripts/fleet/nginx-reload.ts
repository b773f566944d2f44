// Rewrites the launcher's nginx config with some upstreams marked `down` and reloads nginx
// gracefully (`nginx -s reload` with the launcher's own prefix and config: it signals the master
// through <prefix>/nginx.pid). Old workers finish the requests they hold; new ones use the new
// upstream block.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { renderNginxConfig, type NginxConfigValues } from './nginx-config';
import { writePrivateFile } from './secrets';

const run = promisify(execFile);
const RELOAD_COMMAND_TIMEOUT_MS = 10_000;

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

/** Writes the config with `down` marked and asks the running nginx to reload it. */
export async function reloadWithDown(setup: NginxSetup, down: ReadonlySet<string>): Promise<void> {
  await writeNginxConfig(setup, down);
  try {
    await run(setup.binary, [...nginxArgs(setup), '-s', 'reload'], { timeout: RELOAD_COMMAND_TIMEOUT_MS });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new NginxReloadError(typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim().split('\n').slice(-1)[0] ?? '' : (error as Error).message);
  }
}
