// A private redis-server for the fleet, configured as deploy/redis/redis.conf (architecture.md
// section 3): AOF with appendfsync everysec, no RDB snapshots, noeviction (BullMQ needs it).
// Its settings, passwords included, are in a file of mode 0600, not on its command line (ps).
// The default user has a password (requirepass); the instances connect as an ACL user without
// admin commands. Started again after READY (restarter.ts), it reloads its AOF from the same
// directory with the same passwords.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_REDIS_PORT } from '../fleet-options';
import { LOOPBACK } from '../ports';
import { pollUntil, redisPid, type RedisAuth } from '../readiness';
import { writePrivateFile } from '../secrets';
import { startPart, withPortRetry, type PartContext, type RestartablePart } from './part-context';

const REDIS_START_TIMEOUT_MS = 15_000;
/** Stops after the instances (they flush and close their queues first). */
export const REDIS_STOP_ORDER = 0;

export interface FleetRedisAuth {
  /** The default user's password (requirepass): for an operator, kept in the config file only. */
  adminPassword: string;
  /** The instances' ACL user. */
  app: RedisAuth;
}

export function redisConfig(port: number, dataDir: string, auth: FleetRedisAuth): string {
  return [
    `port ${port}`,
    `bind ${LOOPBACK}`,
    'daemonize no',
    'save ""',
    'appendonly yes',
    'appendfsync everysec',
    'maxmemory-policy noeviction',
    // A payment's audit stream holds a few entries; at the default 4096 its first node alone
    // takes about 4 KB (docs/benchmarks.md, Redis memory per payment).
    'stream-node-max-bytes 512',
    `dir "${dataDir}"`,
    `requirepass ${auth.adminPassword}`,
    // Everything the gateway and BullMQ use; no CONFIG, ACL, SHUTDOWN, DEBUG, MONITOR, CLIENT KILL
    // (the @admin category), and no FLUSHALL or FLUSHDB.
    `user ${auth.app.user} on >${auth.app.password} ~* &* +@all -@admin -flushall -flushdb`,
    '',
  ].join('\n');
}

/** Resolves to the Redis URL without credentials (what may be printed). */
export async function startRedis(context: PartContext, auth: FleetRedisAuth): Promise<RestartablePart<string>> {
  const dataDir = join(context.dir, 'redis');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const configFile = join(dataDir, 'redis.conf');
  const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  return withPortRetry(context, 'redis', DEFAULT_REDIS_PORT, async (port) => {
    await writePrivateFile(configFile, redisConfig(port, dataDir, auth));
    return startPart(
      context,
      { name: 'redis', command: binary, args: [configFile], stopOrder: REDIS_STOP_ORDER },
      async (part) => {
        await pollUntil(part, `redis-server answered PING on ${LOOPBACK}:${port}`, REDIS_START_TIMEOUT_MS, async () => (await redisPid(port, auth.app)) === part.pid);
        return `redis://${LOOPBACK}:${port}`;
      },
    );
  });
}
