// nginx as the fleet's load balancer: a plain foreground process (`daemon off`) whose prefix,
// pid file, logs and temp paths all live in the fleet's directory, so it needs no root-owned
// path and never touches the system nginx. Its port is never moved.
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findNginxBinary } from '../nginx-config';
import { nginxArgs, writeNginxConfig, type NginxSetup } from '../nginx-reload';
import { isPortFree, LOOPBACK, saysAddressInUse } from '../ports';
import { PartStartError, httpStatus, pollUntil } from '../readiness';
import { REPO_ROOT, startPart, type PartContext, type StartedPart } from './part-context';

export const NGINX_TEMPLATE = join(REPO_ROOT, 'deploy', 'nginx', 'nginx.conf.template');
const LB_START_TIMEOUT_MS = 15_000;
export const LB_STOP_ORDER = 3;

/** The load balancer's port is taken: the launcher stops rather than moving it. */
export class LoadBalancerPortTakenError extends Error {
  override readonly name = 'LoadBalancerPortTakenError';
  readonly code = 'FLEET_LB_PORT_TAKEN';

  constructor(readonly port: number) {
    super(`the load balancer's port ${LOOPBACK}:${port} is taken; the launcher never moves it: stop what listens there or pass --port <another port>`);
  }
}

export class NginxNotFoundError extends Error {
  override readonly name = 'NginxNotFoundError';
  readonly code = 'FLEET_NGINX_NOT_FOUND';

  constructor() {
    super('nginx not found (looked at $NGINX_BIN, the PATH and /usr/sbin/nginx): run bash scripts/setup.sh (it installs nginx-light)');
  }
}

/** Fails early, before anything starts, when nginx is missing or the port is taken. */
export async function checkLoadBalancerPrerequisites(port: number): Promise<string> {
  const binary = findNginxBinary();
  if (binary === undefined) throw new NginxNotFoundError();
  if (!(await isPortFree(port))) throw new LoadBalancerPortTakenError(port);
  return binary;
}

/** The running load balancer, and how to write its config again (readiness routing). */
export interface StartedLoadBalancer extends StartedPart<string> {
  setup: NginxSetup;
}

export async function startLoadBalancer(context: PartContext, binary: string, port: number, instances: readonly string[]): Promise<StartedLoadBalancer> {
  const prefix = join(context.dir, 'nginx');
  await mkdir(join(prefix, 'logs'), { recursive: true });
  await mkdir(join(prefix, 'temp'), { recursive: true });
  // Run as root, nginx's workers drop to `nobody` and must reach their temp paths (the master
  // creates them, 0700 and owned by the worker user): the directories on the way are 0711,
  // passable but not listable; every file in them stays 0600, the logs directory 0700.
  if (process.getuid?.() === 0) for (const path of [context.dir, prefix, join(prefix, 'temp')]) await chmod(path, 0o711);
  const configFile = join(prefix, 'nginx.conf');
  const template = await readFile(NGINX_TEMPLATE, 'utf8');
  const listen = `${LOOPBACK}:${port}`;
  const upstreams = instances.map((url) => new URL(url).host);
  const setup: NginxSetup = { binary, prefix, configFile, template, values: { listen, upstreams, accessLog: 'logs/access.log upstream' } };
  await writeNginxConfig(setup);
  const lb = `http://${listen}`;
  try {
    const started = await startPart(
      context,
      {
        name: 'lb',
        command: binary,
        args: [...nginxArgs(setup), '-g', 'daemon off;'],
        stopOrder: LB_STOP_ORDER,
      },
      async (part) => {
        await pollUntil(part, `GET ${lb}/health/ready answered 200 through nginx`, LB_START_TIMEOUT_MS, async () => (await httpStatus(`${lb}/health/ready`)) === 200);
        return lb;
      },
    );
    return { ...started, setup };
  } catch (error) {
    if (error instanceof PartStartError && saysAddressInUse(error.lastLines.join('\n'))) throw new LoadBalancerPortTakenError(port);
    throw error;
  }
}
