// A private Sentinel set-up (1 master, 1 replica, 3 sentinels) from plain redis-server processes,
// for tests of the Sentinel URL form and of a failover. Every process has its own temp dir and is
// SIGKILLed on exit if a test crashes (startRedisServer).
import { redisCli } from './redis-cluster';
import { startRedisServer, type RedisServerHandle } from './redis-server';
import { waitFor } from './wait-for';

const HOST = '127.0.0.1';
export const SENTINEL_MASTER_NAME = 'bwmaster';
const SENTINELS = 3;
const QUORUM = 2;
/** Short, so a killed master is replaced within a test's time; everything is local. */
const DOWN_AFTER_MS = 1_000;
const FAILOVER_TIMEOUT_MS = 5_000;
const READY_TIMEOUT_MS = 20_000;

export interface RedisSentinelHandle {
  /** The data servers, the first master as started (roles change after a failover). */
  readonly servers: readonly RedisServerHandle[];
  readonly sentinels: readonly RedisServerHandle[];
  /** `redis-sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3#bwmaster` */
  readonly url: string;
  /** The server the sentinels name as master now. */
  master(): Promise<RedisServerHandle>;
  /** SIGKILLs every process and removes every temp dir. Safe to call twice. */
  cleanup(): Promise<void>;
}

export interface RedisSentinelOptions {
  /**
   * Replicas of the master, 1 by default. The failover tests take 2: with the waiting mode on, a
   * promoted replica needs a replica of its own, or no write that decides money is confirmed.
   */
  replicas?: number;
}

export async function startRedisSentinel(options: RedisSentinelOptions = {}): Promise<RedisSentinelHandle> {
  const replicaCount = options.replicas ?? 1;
  const started: RedisServerHandle[] = [];
  const start = async (options: Parameters<typeof startRedisServer>[0]): Promise<RedisServerHandle> => {
    const handle = await startRedisServer(options);
    started.push(handle);
    return handle;
  };
  try {
    // No 5 s wait before a replica's first sync: a replica still loading cannot be promoted.
    const master = await start({ extraArgs: ['--repl-diskless-sync-delay', '0'] });
    const replicas: RedisServerHandle[] = [];
    for (let i = 0; i < replicaCount; i++) replicas.push(await start({ extraArgs: ['--replicaof', HOST, String(master.port), '--repl-diskless-sync-delay', '0'] }));
    for (const replica of replicas) {
      await waitFor(async () => /master_link_status:up/.test(await redisCli(replica.port, 'info', 'replication')), {
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 100,
        description: 'the replica to sync with its master',
      });
    }
    const sentinels: RedisServerHandle[] = [];
    for (let i = 0; i < SENTINELS; i++) sentinels.push(await start({ configText: '', extraArgs: ['--sentinel'] }));
    for (const s of sentinels) {
      await redisCli(s.port, 'sentinel', 'monitor', SENTINEL_MASTER_NAME, HOST, String(master.port), String(QUORUM));
      await redisCli(s.port, 'sentinel', 'set', SENTINEL_MASTER_NAME, 'down-after-milliseconds', String(DOWN_AFTER_MS), 'failover-timeout', String(FAILOVER_TIMEOUT_MS));
    }
    const handle = new LocalSentinel([master, ...replicas], sentinels);
    // Each sentinel must know the replica and the other sentinels before a failover can happen.
    await waitFor(
      async () => {
        for (const s of sentinels) {
          const info = await redisCli(s.port, 'sentinel', 'master', SENTINEL_MASTER_NAME);
          if (!new RegExp(`num-slaves\\n${replicaCount}\\n`).test(info) || !new RegExp(`num-other-sentinels\\n${SENTINELS - 1}\\n`).test(info)) return false;
        }
        return true;
      },
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: 200, description: 'every sentinel to know the replica and the other sentinels' },
    );
    return handle;
  } catch (error) {
    await Promise.all(started.map((s) => s.cleanup()));
    throw error;
  }
}

class LocalSentinel implements RedisSentinelHandle {
  readonly url: string;

  constructor(
    readonly servers: readonly RedisServerHandle[],
    readonly sentinels: readonly RedisServerHandle[],
  ) {
    this.url = `redis-sentinel://${sentinels.map((s) => `${HOST}:${s.port}`).join(',')}#${SENTINEL_MASTER_NAME}`;
  }

  async master(): Promise<RedisServerHandle> {
    const live = this.sentinels.find((s) => s.isRunning());
    if (live === undefined) throw new Error('no sentinel is running');
    const [, port] = (await redisCli(live.port, 'sentinel', 'get-master-addr-by-name', SENTINEL_MASTER_NAME)).trim().split('\n');
    const server = this.servers.find((s) => s.port === Number(port));
    if (server === undefined) throw new Error(`the sentinels name ${port} as master, not one of ours`);
    return server;
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.sentinels, ...this.servers].map((s) => s.cleanup()));
  }
}
