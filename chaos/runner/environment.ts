// Where an experiment runs: its own fleet over the suite's own Redis behind a TCP fault proxy
// (own-environment.ts), or a fleet that is already running (--url, existing-environment.ts).
import type { TcpFaultProxy } from '../../test/support/tcp-fault-proxy';
import type { RedisProcess } from '../infra/redis-process';
import { readRestarts } from '../probes/restarts';
import type { Simulator } from '../probes/simulator';

export interface Environment {
  lb: string;
  instances: string[];
  sim: Simulator;
  /** The launcher's directory: restarts.json, audit-export.jsonl. */
  fleetDir: string;
  /** Pids at READY (the launcher's `pids`). */
  readyPids: Record<string, number>;
  /** The suite's own Redis and the proxy the fleet reaches it through; absent with --url. */
  redis?: RedisProcess;
  proxy?: TcpFaultProxy;
}

export class PartNotRunningError extends Error {
  override readonly name = 'PartNotRunningError';
  readonly code = 'CHAOS_PART_NOT_RUNNING';
  constructor(readonly part: string) {
    super(`${part} has no running process`);
  }
}

/** The current pid of a part the launcher restarts (restarts.json), else its pid at READY. */
export async function pidOf(env: Environment, part: string): Promise<number> {
  const parts = await readRestarts(env.fleetDir);
  const pid = parts[part]?.pid ?? env.readyPids[part];
  if (pid === undefined || pid === null) throw new PartNotRunningError(part);
  return pid;
}

/** The redis and proxy of an environment the suite started; throws for --url. */
export function ownRedis(env: Environment): { redis: RedisProcess; proxy: TcpFaultProxy } {
  if (env.redis === undefined || env.proxy === undefined) throw new PartNotRunningError('the suite\'s own Redis (not available with --url)');
  return { redis: env.redis, proxy: env.proxy };
}
