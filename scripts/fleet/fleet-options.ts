// The launcher's command line: `npm run fleet -- [--instances N] [--port P] [--redis-url URL]
// [--admin-token T] [--key-prefix P] [--dir D]`, with every default named here.
import { parseArgs } from 'node:util';

export const DEFAULT_INSTANCES = 3;
export const MAX_INSTANCES = 32;
/** The load balancer's port: never moved; a taken one stops the launcher. */
export const DEFAULT_LB_PORT = 8080;
/** Not 6379: the machine's own Redis (the tests' shared one) lives there. */
export const DEFAULT_REDIS_PORT = 6380;
export const DEFAULT_SIM_PORT = 4000;
/** Instance n (from 1) prefers port DEFAULT_FIRST_INSTANCE_PORT + n - 1. */
export const DEFAULT_FIRST_INSTANCE_PORT = 3001;

export interface FleetOptions {
  instances: number;
  lbPort: number;
  /** An existing Redis to use instead of starting one. */
  redisUrl: string | undefined;
  /** From --admin-token or $ADMIN_TOKEN; undefined: the launcher generates one. */
  adminToken: string | undefined;
  keyPrefix: string;
  /** A working directory to use and keep; undefined: a temporary one removed on stop. */
  dir: string | undefined;
}

export const USAGE = `usage: npm run fleet -- [options]
  --instances N      payment-api instances (default ${DEFAULT_INSTANCES}, at most ${MAX_INSTANCES})
  --port P           load balancer port on 127.0.0.1 (default ${DEFAULT_LB_PORT}; never moved)
  --redis-url URL    use this Redis instead of starting redis-server (default port ${DEFAULT_REDIS_PORT})
  --admin-token T    ADMIN_TOKEN of every instance (default $ADMIN_TOKEN, else a generated one)
  --key-prefix P     KEY_PREFIX of every instance (default empty)
  --dir D            working directory (Redis AOF, audit export, nginx); kept after stop
                     (default: a temporary directory removed on stop)
  -h, --help         this text`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'FLEET_USAGE';
}

/** `undefined` for --help. */
export function parseFleetOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): FleetOptions | undefined {
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
        'admin-token': { type: 'string' },
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
  const redisUrl = values['redis-url'];
  if (redisUrl !== undefined && !/^rediss?:\/\/./.test(redisUrl)) throw new UsageError(`--redis-url must be a redis:// or rediss:// URL (got ${JSON.stringify(redisUrl)})`);
  const adminToken = values['admin-token'] ?? (env.ADMIN_TOKEN === '' ? undefined : env.ADMIN_TOKEN);
  return {
    instances: wholeNumber('--instances', values.instances, DEFAULT_INSTANCES, 1, MAX_INSTANCES),
    lbPort: wholeNumber('--port', values.port, DEFAULT_LB_PORT, 1, 65_535),
    redisUrl,
    adminToken: adminToken === '' ? undefined : adminToken,
    keyPrefix: values['key-prefix'] ?? '',
    dir: values.dir,
  };
}

function wholeNumber(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return value;
}
