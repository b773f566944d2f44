// Failover under load on a Redis Cluster (3 masters, 3 replicas): a master SIGKILLed (its replica
// promoted after cluster-node-timeout; the killed node restarted, as a supervisor would, rejoins
// as the new master's replica), and a manual CLUSTER FAILOVER on a replica. The scenario and what
// it checks: failover-scenario.ts.
import { redisCli, startRedisCluster, type RedisClusterHandle } from '../support/redis-cluster';
import type { RedisServerHandle } from '../support/redis-server';
import { killFleetsOfThree } from './fleet-of-three';
import { paymentsThroughFailover, type FailoverTarget } from './failover-scenario';

jest.setTimeout(240_000);

let cluster: RedisClusterHandle | undefined;

afterEach(async () => {
  killFleetsOfThree();
  await cluster?.cleanup();
  cluster = undefined;
});

function target(c: RedisClusterHandle, failover: (master: RedisServerHandle) => Promise<() => Promise<void>>): FailoverTarget {
  let heal: () => Promise<void> = () => c.waitUntilOk();
  return {
    url: c.url,
    failover: async () => {
      heal = await failover(await c.masterFor('{payments}'));
    },
    heal: () => heal(),
    cleanup: () => c.cleanup(),
  };
}

it('a master SIGKILLed under load: no instance dies, refusals are clean and end within 10 s, nothing acknowledged is lost, nothing charged twice', async () => {
  cluster = await startRedisCluster();
  const c = cluster;
  const report = await paymentsThroughFailover('cluster-sigkill', 
    target(c, async (master) => {
      await master.kill();
      return async () => {
        await c.waitUntilOk(30_000); // the replica is master now
        await master.restart();
        await c.waitUntilOk(30_000); // and the old master its synced replica
      };
    }),
  );
  console.log(`cluster, master SIGKILLed: ${JSON.stringify(report)}`);
});

it('a manual CLUSTER FAILOVER under load: the same', async () => {
  cluster = await startRedisCluster();
  const c = cluster;
  const report = await paymentsThroughFailover('cluster-manual', 
    target(c, async (master) => {
      const [replica] = await c.replicasOf(master);
      await redisCli(replica.port, 'cluster', 'failover');
      return async () => {
        await c.waitUntilOk(30_000);
        expect((await c.masterFor('{payments}')).port).toBe(replica.port);
      };
    }),
  );
  console.log(`cluster, CLUSTER FAILOVER: ${JSON.stringify(report)}`);
});
