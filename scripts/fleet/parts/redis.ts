// A private redis-server for the fleet, configured as deploy/redis/redis.conf (architecture.md
// section 3): AOF with appendfsync everysec, no RDB snapshots, noeviction (BullMQ needs it).
// Started again after READY (restarter.ts), it reloads its AOF from the same directory.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_REDIS_PORT } from '../fleet-options';
import { LOOPBACK } from '../ports';
import { pollUntil, redisPid } from '../readiness';
import { startPart, withPortRetry, type PartContext, type RestartablePart } from './part-context';

const REDIS_START_TIMEOUT_MS = 15_000;
/** Stops after the instances (they flush and close their queues first). */
export const REDIS_STOP_ORDER = 0;

export async function startRedis(context: PartContext): Promise<RestartablePart<string>> {
  const dataDir = join(context.dir, 'redis');
  await mkdir(dataDir, { recursive: true });
  const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  return withPortRetry(context, 'redis', DEFAULT_REDIS_PORT, (port) =>
    startPart(
      context,
      {
        name: 'redis',
        command: binary,
        // prettier-ignore
        args: [
          '--port', String(port), '--bind', LOOPBACK, '--daemonize', 'no',
          '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec',
          '--maxmemory-policy', 'noeviction', '--dir', dataDir,
        ],
        stopOrder: REDIS_STOP_ORDER,
      },
      async (part) => {
        await pollUntil(part, `redis-server answered PING on ${LOOPBACK}:${port}`, REDIS_START_TIMEOUT_MS, async () => (await redisPid(port)) === part.pid);
        return `redis://${LOOPBACK}:${port}`;
      },
    ),
  );
}
