// Failover under load on Sentinel (a master, 2 replicas, 3 sentinels): the master SIGKILLed
// (promoted after down-after-milliseconds), and SENTINEL FAILOVER. Two replicas: with the waiting
// mode on, the promoted one must have a replica of its own. The scenario: failover-scenario.ts.
import { redisCli } from '../support/redis-cluster';
import { SENTINEL_MASTER_NAME, startRedisSentinel, type RedisSentinelHandle } from '../support/redis-sentinel';
import { waitFor } from '../support/wait-for';
import { killFleetsOfThree } from './fleet-of-three';
import { paymentsThroughFailover, type FailoverTarget } from './failover-scenario';

jest.setTimeout(240_000);

let sentinel: RedisSentinelHandle | undefined;

afterEach(async () => {
  killFleetsOfThree();
  await sentinel?.cleanup();
  sentinel = undefined;
});

function target(s: RedisSentinelHandle, failover: () => Promise<void>): FailoverTarget {
  let before = 0;
  return {
    url: s.url,
    failover: async () => {
      before = (await s.master()).port;
      await failover();
    },
    // Promoted, and the other replica follows the new master.
    heal: () =>
      waitFor(
        async () => {
          const master = await s.master();
          if (master.port === before) return false;
          return /connected_slaves:[1-9]/.test(await redisCli(master.port, 'info', 'replication'));
        },
        { timeoutMs: 30_000, intervalMs: 200, description: 'a replica promoted, with a replica of its own' },
      ).then(() => undefined),
    cleanup: () => s.cleanup(),
  };
}

it('the master SIGKILLed under load: no instance dies, refusals are clean and end within 10 s, nothing acknowledged is lost, nothing charged twice', async () => {
  sentinel = await startRedisSentinel({ replicas: 2 });
  const s = sentinel;
  const report = await paymentsThroughFailover('sentinel-sigkill', target(s, async () => (await s.master()).kill()));
  console.log(`sentinel, master SIGKILLed: ${JSON.stringify(report)}`);
});

it('SENTINEL FAILOVER under load: the same', async () => {
  sentinel = await startRedisSentinel({ replicas: 2 });
  const s = sentinel;
  const report = await paymentsThroughFailover('sentinel-manual', 
    target(s, async () => {
      await redisCli(s.sentinels[0].port, 'sentinel', 'failover', SENTINEL_MASTER_NAME);
    }),
  );
  console.log(`sentinel, SENTINEL FAILOVER: ${JSON.stringify(report)}`);
});
