// Fills deploy/nginx/nginx.conf.template for the fleet launcher, and finds the nginx binary.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Passive health check: one failed attempt takes an instance out for this long. */
export const UPSTREAM_MAX_FAILS = 1;
export const UPSTREAM_FAIL_TIMEOUT_S = 2;

export interface NginxConfigValues {
  /** `127.0.0.1:8080` */
  listen: string;
  /** `host:port` of each payment-api instance. */
  upstreams: readonly string[];
  /** A path (relative to the nginx prefix) with a log format, or `off`. */
  accessLog: string;
  /**
   * Upstreams marked `down`: the launcher's readiness routing took them out (readiness-router.ts).
   * They stay in the block, so a reload never renumbers the others; at least one must stay up.
   */
  down?: ReadonlySet<string>;
}

/** One `server` line of the upstream block. */
export function upstreamServerLine(address: string, down = false): string {
  return `server ${address} max_fails=${UPSTREAM_MAX_FAILS} fail_timeout=${UPSTREAM_FAIL_TIMEOUT_S}s${down ? ' down' : ''};`;
}

/**
 * Replaces each `${NAME}` of the template; a placeholder it does not know is an error, so a
 * template edited for a new setting cannot reach nginx half filled.
 */
export function renderNginxConfig(template: string, values: NginxConfigValues): string {
  if (values.upstreams.length === 0) throw new Error('nginx config: at least one upstream instance is needed');
  const down = values.down ?? new Set<string>();
  // nginx answers 502 itself when every server is down: the instances' own 503 is better.
  if (values.upstreams.every((address) => down.has(address))) throw new Error('nginx config: at least one upstream instance must stay up');
  const filled: Record<string, string> = {
    LISTEN: values.listen,
    UPSTREAM_SERVERS: values.upstreams.map((address) => upstreamServerLine(address, down.has(address))).join('\n    '),
    ACCESS_LOG: values.accessLog,
  };
  const unknown = new Set<string>();
  const rendered = template.replace(/\$\{([A-Z0-9_]+)\}/g, (whole, name: string) => {
    const value = filled[name];
    if (value === undefined) unknown.add(name);
    return value ?? whole;
  });
  if (unknown.size > 0) throw new Error(`nginx config template has placeholders the launcher does not fill: ${[...unknown].join(', ')}`);
  return rendered;
}

/** `$NGINX_BIN`, else `nginx` on the PATH, else /usr/sbin/nginx (not on a normal user's PATH). */
export function findNginxBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    ...(env.NGINX_BIN ? [env.NGINX_BIN] : []),
    ...(env.PATH ?? '').split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, 'nginx')),
    '/usr/sbin/nginx',
    '/usr/local/sbin/nginx',
    '/usr/local/nginx/sbin/nginx',
  ];
  return candidates.find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
