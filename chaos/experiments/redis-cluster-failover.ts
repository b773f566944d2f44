// A Redis Cluster master hands over to its replica under load (issue 11): CLUSTER FAILOVER on the
// replica of the master serving payment shard {0} (the planned failover; the SIGKILLed master is
// in `npm run test:failover`). Payments on that shard pause while the roles change; the breakers
// on the other shards stay fleet-wide (docs/redis-deployments.md).
//
// It needs a fleet on a Cluster, which the suite's own environment is not (one redis-server behind
// the fault proxy, own-environment.ts): run it with --url against a fleet started on the Cluster,
// with CHAOS_REDIS_CLUSTER_URL naming the same nodes:
//   npm run fleet -- --redis-url redis-cluster://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002
//   CHAOS_REDIS_CLUSTER_URL=redis-cluster://127.0.0.1:7000,... npm run chaos -- --url http://127.0.0.1:8080 --experiment redis-cluster-failover
// Without it the experiment stops at the fault with that reason (reported as skipped).
import type { Cluster, Redis } from 'ioredis';
import { Command } from 'ioredis';
import { createRedisConnection, type RedisConnection } from '@breakwater/redis-store';
import { sleep } from '../infra/process-signals';
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import { ExperimentStateError, type Experiment, type FaultContext } from './experiment';

const CLUSTER_URL_VARIABLE = 'CHAOS_REDIS_CLUSTER_URL';
/** Payment shard 0's hash tag (payment-keys.ts): its master is the one failed over. */
const SHARD_KEY = '{0}';
const HANDOVER_TIMEOUT_MS = 30_000;

/** The Cluster connection between the fault and its heal, and the replica that takes over. */
const handover: { cluster?: Cluster; replica?: string } = {};

function clusterUrl(): string {
  const url = process.env[CLUSTER_URL_VARIABLE];
  if (url === undefined || !url.startsWith('redis-cluster://')) {
    throw new ExperimentStateError(`needs a fleet on a Redis Cluster: run it with --url against one, ${CLUSTER_URL_VARIABLE}=redis-cluster://... naming its nodes`);
  }
  return url;
}

async function connected(url: string): Promise<Cluster> {
  const connection: RedisConnection = createRedisConnection(url, 'data');
  connection.on('error', () => undefined);
  const deadline = Date.now() + 10_000;
  while (connection.status !== 'ready') {
    if (Date.now() > deadline) {
      connection.disconnect();
      throw new ExperimentStateError(`the Cluster at ${CLUSTER_URL_VARIABLE} did not answer within 10 s`);
    }
    await sleep(100);
  }
  return connection as Cluster;
}

const address = (node: Redis): string => `${node.options.host}:${node.options.port}`;
const masterOf = (cluster: Cluster): string | undefined => cluster.slots[new Command('get', [SHARD_KEY]).getSlot()]?.[0];

async function inject(ctx: FaultContext): Promise<void> {
  const cluster = await connected(clusterUrl());
  handover.cluster = cluster;
  const master = masterOf(cluster);
  let replica: Redis | undefined;
  for (const node of cluster.nodes('slave')) {
    const info = await node.info('replication');
    if (master === `${/master_host:(\S+)/.exec(info)?.[1]}:${/master_port:(\d+)/.exec(info)?.[1]}`) replica = node;
  }
  if (master === undefined || replica === undefined) throw new ExperimentStateError(`no replica of the master serving ${SHARD_KEY} (${master ?? 'unknown'})`);
  handover.replica = address(replica);
  await replica.call('CLUSTER', 'FAILOVER');
  ctx.log(`CLUSTER FAILOVER on ${handover.replica}, replica of ${master}`);
}

async function heal(ctx: FaultContext): Promise<void> {
  const { cluster, replica } = handover;
  if (cluster === undefined) return;
  try {
    const deadline = Date.now() + HANDOVER_TIMEOUT_MS;
    while (masterOf(cluster) !== replica) {
      if (Date.now() > deadline) throw new ExperimentStateError(`${replica} does not serve ${SHARD_KEY} ${HANDOVER_TIMEOUT_MS} ms after CLUSTER FAILOVER`);
      await sleep(200);
    }
    ctx.log(`${replica} serves ${SHARD_KEY} now`);
  } finally {
    cluster.disconnect();
    handover.cluster = handover.replica = undefined;
  }
}

export const redisClusterFailover: Experiment = {
  name: 'redis-cluster-failover',
  title: 'Redis Cluster: CLUSTER FAILOVER of the master serving payment shard {0} (needs --url, a fleet on a Cluster)',
  quick: false,
  blastRadius: 'the payments, breakers and queues whose keys live on one of the Cluster\'s masters',
  needsOwnRedis: false,
  timing: DEFAULT_TIMING,
  fallbackExists: false,
  hypothesis: SEED_HYPOTHESIS,
  abort: DEFAULT_ABORT,
  inject,
  heal,
};
