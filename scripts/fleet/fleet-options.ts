// The launcher's command line: `npm run fleet -- [--instances N] [--port P] [--redis-url URL]
// [--key-prefix P] [--dir D]`, and the settings it reads from its environment (secrets are never
// flags: ps shows a command line to every local user), with every default named here.
import { parseArgs } from 'node:util';
import { MIN_SECRET_LENGTH } from '../../apps/payment-api/src/auth/auth-settings';
import { parseRedisUrl } from '../../libs/redis-store/src/connection/redis-url';
import { InvalidRedisUrlError } from '../../libs/redis-store/src/connection/redis-url.error';
import { hasCredentials } from './secrets';

export const DEFAULT_INSTANCES = 3;
export const MAX_INSTANCES = 32;
/** The load balancer's port: never moved; a taken one stops the launcher. */
export const DEFAULT_LB_PORT = 8080;
/** Not 6379: the machine's own Redis (the tests' shared one) lives there. */
export const DEFAULT_REDIS_PORT = 6380;
export const DEFAULT_SIM_PORT = 4000;
/** Instance n (from 1) prefers port DEFAULT_FIRST_INSTANCE_PORT + n - 1. */
export const DEFAULT_FIRST_INSTANCE_PORT = 3001;

/** The launcher's instances: `off` unless OPERATOR_AUTH says otherwise (docs/fleet.md, "Operator endpoints"). */
export type FleetOperatorAuth = 'token' | 'off';
export const DEFAULT_FLEET_OPERATOR_AUTH: FleetOperatorAuth = 'off';

export interface FleetOptions {
  instances: number;
  lbPort: number;
  /** An existing Redis to use instead of starting one: --redis-url, or $FLEET_REDIS_URL when it holds a password. */
  redisUrl: string | undefined;
  /** From $ADMIN_TOKEN; undefined: the launcher generates one. */
  adminToken: string | undefined;
  /** From $OPERATOR_AUTH: whether GET /breakers, /queues, /metrics need a token. */
  operatorAuth: FleetOperatorAuth;
  keyPrefix: string;
  /** A working directory to use and keep; undefined: a temporary one removed on stop. */
  dir: string | undefined;
}

export const USAGE = `usage: npm run fleet -- [options]
  --instances N      payment-api instances (default ${DEFAULT_INSTANCES}, at most ${MAX_INSTANCES})
  --port P           load balancer port on 127.0.0.1 (default ${DEFAULT_LB_PORT}; never moved)
  --redis-url URL    use this Redis instead of starting redis-server (default port ${DEFAULT_REDIS_PORT});
                     a URL with a password goes in $FLEET_REDIS_URL instead (never on a command line)
  --key-prefix P     KEY_PREFIX of every instance (default empty)
  --dir D            working directory (Redis AOF, audit export, nginx); kept after stop
                     (default: a temporary directory removed on stop)
  -h, --help         this text
environment:
  ADMIN_TOKEN        every instance's admin token, at least ${MIN_SECRET_LENGTH} characters
                     (default: generated, written to <dir>/admin-token, mode 0600)
  METRICS_TOKEN      a token for GET /metrics only (optional, at least ${MIN_SECRET_LENGTH} characters)
  OPERATOR_AUTH      token: GET /breakers, /queues, /metrics need a token; off (default): public
  FLEET_REDIS_URL    as --redis-url, for a URL with a password
  FLEET_INSTANCE_HOOK  JSON, for the chaos suite: one instance in a network namespace or with
                     environment of its own (docs/resilience.md, "FLEET_INSTANCE_HOOK")`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'FLEET_USAGE';
}

/** `undefined` for --help. */
export function parseFleetOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): FleetOptions | undefined {
  if (argv.some((a) => a === '--admin-token' || a.startsWith('--admin-token='))) throw new UsageError('--admin-token is gone: ps shows a command line to every local user; set ADMIN_TOKEN in the environment instead');
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        instances: { type: 'string' },
        port: { type: 'string' },
        'redis-url': { type: 'string' },
        'key-prefix': { type: 'string' },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help === true) return undefined;
  const flagUrl = values['redis-url'];
  // Only its form may be echoed: a URL from the environment may hold a password.
  if (flagUrl !== undefined) checkRedisUrl('--redis-url', flagUrl);
  if (flagUrl !== undefined && hasCredentials(flagUrl)) throw new UsageError('--redis-url holds a user or password, which ps shows to every local user: put the URL in $FLEET_REDIS_URL instead');
  const envUrl = env.FLEET_REDIS_URL === '' ? undefined : env.FLEET_REDIS_URL;
  if (envUrl !== undefined) checkRedisUrl('FLEET_REDIS_URL', envUrl);
  const adminToken = env.ADMIN_TOKEN === '' ? undefined : env.ADMIN_TOKEN;
  if (adminToken !== undefined && adminToken.length < MIN_SECRET_LENGTH) throw new UsageError(`ADMIN_TOKEN must be at least ${MIN_SECRET_LENGTH} characters (it has ${adminToken.length}); generate one with: openssl rand -hex 32`);
  const operatorAuth = (env.OPERATOR_AUTH === undefined || env.OPERATOR_AUTH === '' ? DEFAULT_FLEET_OPERATOR_AUTH : env.OPERATOR_AUTH.toLowerCase()) as FleetOperatorAuth;
  if (operatorAuth !== 'token' && operatorAuth !== 'off') throw new UsageError(`OPERATOR_AUTH must be token or off (got ${JSON.stringify(env.OPERATOR_AUTH)})`);
  return {
    instances: wholeNumber('--instances', values.instances, DEFAULT_INSTANCES, 1, MAX_INSTANCES),
    lbPort: wholeNumber('--port', values.port, DEFAULT_LB_PORT, 1, 65_535),
    redisUrl: flagUrl ?? envUrl,
    adminToken,
    operatorAuth,
    keyPrefix: values['key-prefix'] ?? '',
    dir: values.dir,
  };
}

/** Any REDIS_URL form the instances take (docs/redis-deployments.md); the message never carries a password. */
function checkRedisUrl(source: string, url: string): void {
  try {
    parseRedisUrl(url);
  } catch (error) {
    if (!(error instanceof InvalidRedisUrlError)) throw error;
    throw new UsageError(`${source} must be a redis://, rediss://, redis-cluster:// or redis-sentinel:// URL: ${error.problem} (got ${error.url})`);
  }
}

function wholeNumber(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return value;
}
