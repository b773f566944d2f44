import Redis, { Cluster } from 'ioredis';
import { startRedisCluster, type RedisClusterHandle } from './support/redis-cluster';
import { startRedisSentinel, SENTINEL_MASTER_NAME, type RedisSentinelHandle } from './support/redis-sentinel';

// The test helpers themselves: a Cluster and a Sentinel set-up come up, serve commands, and leave
// no process or directory behind.
jest.setTimeout(60_000);

describe('test helpers: a local Redis Cluster and a local Sentinel set-up', () => {
  let cluster: RedisClusterHandle | undefined;
  let sentinel: RedisSentinelHandle | undefined;

  afterEach(async () => {
    await cluster?.cleanup();
    await sentinel?.cleanup();
    cluster = undefined;
    sentinel = undefined;
  });

  it('starts 3 masters and 3 replicas that serve keys on every master, then stops every node', async () => {
    cluster = await startRedisCluster();
    const client = new Cluster(cluster.nodes.slice(0, 1).map((n) => ({ host: '127.0.0.1', port: n.port })));
    try {
      for (const key of ['a', 'b', 'c', 'd']) await client.set(key, key);
      expect(await client.get('c')).toBe('c');
      const masters = new Set(await Promise.all(['a', 'b', 'c', 'd'].map(async (k) => (await cluster!.masterFor(k)).port)));
      expect(masters.size).toBeGreaterThan(1);
    } finally {
      client.disconnect();
    }
    const nodes = cluster.nodes;
    await cluster.cleanup();
    expect(nodes.every((n) => !n.isRunning())).toBe(true);
  });

  it('starts a master, a replica and 3 sentinels that name the master', async () => {
    sentinel = await startRedisSentinel();
    const master = await sentinel.master();
    expect(master.port).toBe(sentinel.servers[0].port);
    const client = new Redis({ sentinels: sentinel.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), name: SENTINEL_MASTER_NAME });
    try {
      await client.set('k', 'v');
      expect(await client.get('k')).toBe('v');
    } finally {
      client.disconnect();
    }
  });
});
