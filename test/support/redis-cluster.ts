// A private Redis Cluster (3 masters, 3 replicas) from plain redis-server processes, for tests of
// the Cluster URL form, pub/sub on Cluster and a master's failover. Built with the same
// startRedisServer as single-server tests, so every node has its own temp dir and is SIGKILLed on
// exit if a test crashes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findFreePort, startRedisServer, type RedisServerHandle } from './redis-server';
import { waitFor } from './wait-for';

const run = promisify(execFile);
const HOST = '127.0.0.1';
const MASTERS = 3;
const REPLICAS_PER_MASTER = 1;
const CLUSTER_READY_TIMEOUT_MS = 20_000;
/** Short, so a killed master is replaced within a test's time; the nodes are all local. */
const NODE_TIMEOUT_MS = 1_000;

export interface RedisClusterHandle {
  /** Every node, masters first as created (roles change after a failover). */
  readonly nodes: readonly RedisServerHandle[];
  /** `redis-cluster://127.0.0.1:p1,127.0.0.1:p2,...`: every node as a seed. */
  readonly url: string;
  /** The node currently serving `key`'s slot as master. */
  masterFor(key: string): Promise<RedisServerHandle>;
  /** The live nodes replicating `master`. */
  replicasOf(master: RedisServerHandle): Promise<RedisServerHandle[]>;
  /** Waits until every live node says `cluster_state:ok`, agrees on its masters, and every live replica is in sync. */
  waitUntilOk(timeoutMs?: number): Promise<void>;
  /** SIGKILLs every node and removes every temp dir. Safe to call twice. */
  cleanup(): Promise<void>;
}

/** `redis-cli` against one node; resolves with its stdout. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', HOST, '-p', String(port), ...args], { timeout: 30_000 });
  return stdout;
}

/** Starts 6 nodes, joins them into a Cluster with one replica per master, and waits until it is ok. */
export async function startRedisCluster(): Promise<RedisClusterHandle> {
  const nodes: RedisServerHandle[] = [];
  try {
    for (let i = 0; i < MASTERS * (1 + REPLICAS_PER_MASTER); i++) {
      // The bus port defaults to port + 10000, which may be taken or past 65535: pick one.
      const busPort = await findFreePort();
      nodes.push(
        await startRedisServer({
          // A replica that has not finished its first sync cannot be promoted ("disconnected from
          // master for longer than allowed"): no 5 s wait before the sync starts. Healthy shards
          // keep serving while one is down (the default answers CLUSTERDOWN on every shard), as
          // docs/redis-deployments.md asks of a Cluster.
          extraArgs: [
            '--cluster-enabled', 'yes',
            '--cluster-config-file', 'nodes.conf',
            '--cluster-port', String(busPort),
            '--cluster-node-timeout', String(NODE_TIMEOUT_MS),
            '--cluster-require-full-coverage', 'no',
            '--repl-diskless-sync-delay', '0',
          ],
        }),
      );
    }
    const addresses = nodes.map((n) => `${HOST}:${n.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(REPLICAS_PER_MASTER), '--cluster-yes'], { timeout: 60_000 });
    const cluster = new LocalCluster(nodes);
    await cluster.waitUntilOk();
    return cluster;
  } catch (error) {
    await Promise.all(nodes.map((n) => n.cleanup()));
    throw error;
  }
}

class LocalCluster implements RedisClusterHandle {
  readonly url: string;

  constructor(readonly nodes: readonly RedisServerHandle[]) {
    this.url = `redis-cluster://${nodes.map((n) => `${HOST}:${n.port}`).join(',')}`;
  }

  async masterFor(key: string): Promise<RedisServerHandle> {
    const live = this.nodes.filter((n) => n.isRunning());
    const slot = Number((await redisCli(live[0].port, 'cluster', 'keyslot', key)).trim());
    for (const f of await clusterNodes(live[0].port)) {
      if (!f[2].split(',').includes('master') || f[2].includes('fail')) continue;
      const serves = f.slice(8).some((range) => {
        const [from, to] = range.split('-').map(Number);
        return slot >= from && slot <= (to ?? from);
      });
      const node = this.nodes.find((n) => n.port === nodePort(f));
      if (serves && node !== undefined) return node;
    }
    throw new Error(`no live master of this cluster serves slot ${slot}`);
  }

  async replicasOf(master: RedisServerHandle): Promise<RedisServerHandle[]> {
    const live = this.nodes.filter((n) => n.isRunning());
    const fields = await clusterNodes(live[0].port);
    const id = fields.find((f) => nodePort(f) === master.port)?.[0];
    const ports = fields.filter((f) => f[3] === id && !f[2].includes('fail')).map(nodePort);
    return live.filter((n) => ports.includes(n.port));
  }

  async waitUntilOk(timeoutMs = CLUSTER_READY_TIMEOUT_MS): Promise<void> {
    await waitFor(
      async () => {
        const live = this.nodes.filter((n) => n.isRunning());
        const infos = await Promise.all(live.map((n) => redisCli(n.port, 'cluster', 'info').catch(() => '')));
        return infos.every((info) => /cluster_state:ok/.test(info) && /cluster_known_nodes:6/.test(info)) && (await this.everySlotServed(live)) && (await everyReplicaSynced(live));
      },
      { timeoutMs, intervalMs: 200, description: 'every cluster node to report cluster_state:ok' },
    );
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.cleanup()));
  }

  /** Every node's table names MASTERS live masters holding slots (a node says ok before its view settles). */
  private async everySlotServed(live: readonly RedisServerHandle[]): Promise<boolean> {
    const livePorts = new Set(live.map((n) => n.port));
    for (const node of live) {
      const masters = (await clusterNodes(node.port).catch(() => [])).filter((f) => f.length > 8 && f[2].split(',').includes('master'));
      if (masters.length !== MASTERS) return false;
      if (!masters.every((f) => !f[2].includes('fail') && livePorts.has(nodePort(f)))) return false;
    }
    return true;
  }
}

/** `CLUSTER NODES` as fields: <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges...> */
async function clusterNodes(port: number): Promise<string[][]> {
  const text = await redisCli(port, 'cluster', 'nodes');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim().split(' '));
}

function nodePort(fields: readonly string[]): number {
  return Number(/:(\d+)@/.exec(fields[1])?.[1]);
}

/** A replica still loading its first copy cannot be promoted: a test that kills its master would wait for ever. */
async function everyReplicaSynced(live: readonly RedisServerHandle[]): Promise<boolean> {
  const infos = await Promise.all(live.map((n) => redisCli(n.port, 'info', 'replication').catch(() => '')));
  return infos.every((info) => /role:master/.test(info) || /master_link_status:up/.test(info));
}
