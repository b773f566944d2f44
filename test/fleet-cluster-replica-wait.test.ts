// The waiting mode (issue 11) on a real Cluster: WAIT must go to the master that took the write,
// or it confirms nothing (a WAIT on another node's connection has no write of ours to wait for,
// and answers at once with that node's replicas).
//
// Given a 3-master, 3-replica Cluster and keys X and Y on different masters, when X's replica is
// SIGKILLed, then a write to X is not confirmed (ReplicaNotConfirmedError, a 503 for a payment)
// while a write to Y still is: each WAIT went to its own key's master.
import { isRedisUnavailable, createRedisConnection, readReplicaWaitSettings, ReplicaNotConfirmedError, ReplicaWait, REDIS_REPLICA_NOT_CONFIRMED, type RedisConnection } from '@breakwater/redis-store';
import { redisCli, startRedisCluster, type RedisClusterHandle } from './support/redis-cluster';
import { uniquePrefix, type RedisServerHandle } from './support/redis-server';
import { rejectionOf, waitFor } from './support/wait-for';

jest.setTimeout(60_000);

const SETTINGS = { replicas: 1, timeoutMs: 200 };

describe('the replica waiting mode on Redis Cluster', () => {
  const prefix = uniquePrefix('replica-wait');
  let cluster: RedisClusterHandle;
  let redis: RedisConnection;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    redis = createRedisConnection(cluster.url, 'data');
    redis.on('error', () => undefined);
    await waitFor(() => redis.status === 'ready', { timeoutMs: 10_000, description: 'the Cluster connection to be ready' });
  });

  afterAll(async () => {
    redis?.disconnect();
    await cluster?.cleanup();
  });

  async function keysOnTwoMasters(): Promise<{ x: string; y: string; xMaster: RedisServerHandle }> {
    const seen = new Map<number, string>();
    for (let i = 0; i < 64; i++) {
      const key = `${prefix}{k${i}}`;
      const master = await cluster.masterFor(key);
      const other = [...seen.entries()].find(([port]) => port !== master.port);
      if (other !== undefined) return { x: key, y: other[1], xMaster: master };
      seen.set(master.port, key);
    }
    throw new Error('no two keys on different masters');
  }

  it('confirms a write on its own master, and refuses one whose master lost its replica', async () => {
    const wait = new ReplicaWait(redis, SETTINGS);
    const { x, y, xMaster } = await keysOnTwoMasters();
    for (const key of [x, y]) {
      await redis.set(key, 'before');
      await wait.confirm(key);
    }

    const [xReplica] = await cluster.replicasOf(xMaster);
    await xReplica.kill();
    await waitFor(async () => !/connected_slaves:[1-9]/.test(await redisCli(xMaster.port, 'info', 'replication')), {
      timeoutMs: 5_000,
      description: "X's master to see its replica gone",
    });

    await redis.set(x, 'after');
    const refused = await rejectionOf(wait.confirm(x));
    expect(refused).toBeInstanceOf(ReplicaNotConfirmedError);
    expect(refused).toMatchObject({ code: REDIS_REPLICA_NOT_CONFIRMED, wanted: 1, confirmed: 0, timeoutMs: SETTINGS.timeoutMs });
    expect(isRedisUnavailable(refused)).toBe(true);

    await redis.set(y, 'after');
    await wait.confirm(y);
  });

  it('is off by default: nothing is waited for', async () => {
    const wait = new ReplicaWait(redis, readReplicaWaitSettings({}));
    expect(wait.enabled).toBe(false);
    await wait.confirm(`${prefix}{anything}`);
  });
});
