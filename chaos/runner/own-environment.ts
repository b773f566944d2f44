// The suite's own environment for one experiment: a redis-server on a free port (AOF on), the TCP
// fault proxy in front of it, and a fleet launched with --redis-url pointing at the proxy, so every
// instance's Redis traffic crosses the proxy. Each start registers its clean-up first thing.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TcpFaultProxy } from '../../test/support/tcp-fault-proxy';
import type { Cleanups } from '../infra/cleanups';
import { FleetProcess } from '../infra/fleet-process';
import { RedisProcess } from '../infra/redis-process';
import { Simulator } from '../probes/simulator';
import type { Environment } from './environment';

export interface OwnEnvironmentSettings {
  dir: string;
  instances: number;
  env: Record<string, string>;
  cleanups: Cleanups;
}

export interface OwnEnvironment {
  env: Environment;
  /** Stops the fleet, the proxy and Redis, in that order. */
  stop: () => Promise<void>;
}

export async function startOwnEnvironment(settings: OwnEnvironmentSettings): Promise<OwnEnvironment> {
  const { dir, cleanups } = settings;
  await mkdir(join(dir, 'fleet'), { recursive: true });
  const redis = await RedisProcess.start(join(dir, 'redis'));
  const stopRedis = cleanups.add(`redis-server :${redis.port}`, () => redis.stop());
  const proxy = await TcpFaultProxy.start({ port: redis.port });
  const stopProxy = cleanups.add(`redis proxy :${proxy.port}`, () => proxy.close());
  const fleet = await FleetProcess.start({
    instances: settings.instances,
    redisUrl: `redis://127.0.0.1:${proxy.port}`,
    dir: join(dir, 'fleet'),
    adminToken: randomBytes(32).toString('base64url'),
    env: settings.env,
    logFile: join(dir, 'fleet.log'),
  });
  const stopFleet = cleanups.add('fleet', () => fleet.stop());
  const { ready } = fleet;
  return {
    env: { lb: ready.lb, instances: ready.instances, sim: new Simulator(ready.sim), fleetDir: ready.dir, readyPids: ready.pids, redis, proxy },
    stop: async () => {
      await stopFleet();
      await stopProxy();
      await stopRedis();
    },
  };
}
