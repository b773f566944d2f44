// Regression (issue 11): on Redis Cluster the fleet's subscriber never subscribed. It was a
// duplicate of the coordination connection, offline queue off, so its first SUBSCRIBE failed with
// "Cluster isn't ready" and instances learnt of a trip from the 1 s re-read only.
//
// Given two fleet instances on a local 3-master Cluster, each connected through the Cluster URL
// form, with the periodic re-read pushed out of the way, when one forces a breaker open, then the
// channel has subscribers on the Cluster and the other instance sees the change within 100 ms:
// only a transition message can have told it.
import Redis from 'ioredis';
import { createCoordinationConnection, createFleetBreakers, transitionsChannel, type FleetBreakers, type RedisConnection, type SubscribeFailure } from '@breakwater/redis-store';
import { startRedisCluster, type RedisClusterHandle } from './support/redis-cluster';
import { uniquePrefix } from './support/redis-server';
import { waitFor } from './support/wait-for';

jest.setTimeout(60_000);

const MESSAGE_DEADLINE_MS = 100;
const NO_REREAD_MS = 60_000;

describe('fleet breakers on Redis Cluster: pub/sub', () => {
  const keyPrefix = uniquePrefix('cluster-pubsub');
  let cluster: RedisClusterHandle;
  const connections: RedisConnection[] = [];
  const fleets: FleetBreakers[] = [];
  const failures: SubscribeFailure[] = [];

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });

  afterAll(async () => {
    await Promise.all(fleets.map((f) => f.close()));
    for (const c of connections) c.disconnect();
    await cluster?.cleanup();
  });

  async function instance(id: string): Promise<FleetBreakers> {
    const redis = createCoordinationConnection(cluster.url);
    redis.on('error', () => undefined);
    connections.push(redis);
    const fleet = createFleetBreakers({ redis, instanceId: id, keyPrefix, syncIntervalMs: NO_REREAD_MS });
    fleet.onSubscribeFailure((failure) => failures.push(failure));
    fleets.push(fleet);
    await waitFor(() => redis.status === 'ready', { timeoutMs: 10_000, description: `${id}'s Cluster connection to be ready` });
    await fleet.ready(10_000);
    return fleet;
  }

  it('subscribes every instance, and a trip reaches the other instance within 100 ms', async () => {
    const a = await instance('a');
    const b = await instance('b');
    expect(a.mode).toBe('fleet');
    expect(b.mode).toBe('fleet');

    const channel = transitionsChannel(keyPrefix);
    const subscribers = async (): Promise<number> => {
      let total = 0;
      for (const node of cluster.nodes) {
        const admin = new Redis(node.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
        try {
          const [, count] = (await admin.pubsub('NUMSUB', channel)) as [string, number];
          total += Number(count);
        } finally {
          admin.disconnect();
        }
      }
      return total;
    };
    await waitFor(async () => (await subscribers()) >= 2, { timeoutMs: 5_000, intervalMs: 100, description: 'both subscribers on the Cluster (PUBSUB NUMSUB)' });

    const onA = a.get('provider-x');
    const onB = b.get('provider-x');
    await waitFor(() => onB.state === 'CLOSED', { timeoutMs: 5_000, description: 'b to read the breaker' });
    await onA.forceOpen();
    const took = await waitFor(() => onB.state === 'FORCED_OPEN', { timeoutMs: 2_000, intervalMs: 2, description: 'b to see FORCED_OPEN' });
    expect(took).toBeLessThan(MESSAGE_DEADLINE_MS);
    expect(failures).toEqual([]);
  });
});
