// The fleet's pub/sub subscriber under faults, against a private redis-server.
//
// Given one fleet instance, as its own OS process (a crash shows as an exit code), whose Redis
// connections pass through a faulty network: when every connection is cut and, after the
// reconnect, Redis answers the SUBSCRIBE later than the coordination commandTimeout (250 ms),
// then the instance stays alive, is subscribed again and decides with the fleet. Before the fix
// the subscriber inherited commandTimeout: 250 and ioredis re-subscribed by itself with no catch,
// so the slow reply became an unhandled rejection and the process exited 1.
//
// Given a subscriber that Redis refuses the channel to, the refusal is reported and the SUBSCRIBE
// retried until it is allowed. Before the fix the first failure was swallowed for good.
import { once } from 'node:events';
import Redis from 'ioredis';
import { createCoordinationRedis, createFleetBreakers, DEFAULT_COORDINATION_COMMAND_TIMEOUT_MS, transitionsChannel, type SubscribeFailure } from '@breakwater/redis-store';
import { startRedisServer, uniquePrefix, type RedisServerHandle } from './support/redis-server';
import { TcpFaultProxy } from './support/tcp-fault-proxy';
import { sleep, waitFor } from './support/wait-for';
import { WorkerProcess } from './support/worker-process';

const SLOW_REPLY_MS = 3 * DEFAULT_COORDINATION_COMMAND_TIMEOUT_MS;
const START_TIMEOUT_MS = 15_000;
// The RESP reply to SUBSCRIBE: `*3 $9 subscribe $<n> <channel> :<count>`.
const isSubscribeReply = (chunk: Buffer): boolean => chunk.includes('$9\r\nsubscribe\r\n');

/** Fails with the worker's events and stderr (the unhandled rejection's stack) if it has exited. */
function expectAlive(worker: WorkerProcess): void {
  if (worker.exitReason !== undefined) throw worker.error('the instance did not survive');
}

describe('the fleet subscriber', () => {
  let server: RedisServerHandle;
  let admin: Redis;

  const subscribers = async (channel: string): Promise<number> => {
    const [, count] = (await admin.pubsub('NUMSUB', channel)) as [string, number];
    return Number(count);
  };

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    admin?.disconnect();
    await server?.cleanup();
  });

  describe('when its connection is cut and the SUBSCRIBE after the reconnect is answered slowly', () => {
    const keyPrefix = uniquePrefix('subscriber-reconnect');
    let proxy: TcpFaultProxy;
    let worker: WorkerProcess | undefined;

    beforeAll(async () => {
      proxy = await TcpFaultProxy.start({ port: server.port });
    });

    afterAll(async () => {
      await worker?.stop();
      await proxy?.close();
    });

    it('stays alive, subscribes again and is back in fleet mode', async () => {
      const instance = new WorkerProcess('instance-a', { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, KEY_PREFIX: keyPrefix });
      worker = instance;
      const ready = await instance.waitForEvent('the ready line', (e) => e.event === 'ready', 0, START_TIMEOUT_MS);
      expect(ready.mode).toBe('fleet');
      await waitFor(async () => (await subscribers(transitionsChannel(keyPrefix))) === 1, { description: 'the instance subscribed' });

      proxy.slowRepliesOnNewConnections({ delayMs: SLOW_REPLY_MS, forMs: 5 * SLOW_REPLY_MS, startsAt: isSubscribeReply });
      const acceptedBefore = proxy.accepted;
      proxy.dropConnections();
      await waitFor(() => proxy.accepted >= acceptedBefore + 2, { timeoutMs: 5_000, description: 'both connections back' });
      await waitFor(() => proxy.held > 0, { timeoutMs: 5_000, description: 'a SUBSCRIBE reply held back by the proxy' });
      // The old subscriber gave up after 250 ms and its process died at once; this outlasts the reply.
      await sleep(SLOW_REPLY_MS + 500);

      expectAlive(instance);
      await waitFor(async () => (await subscribers(transitionsChannel(keyPrefix))) === 1, { description: 'the instance subscribed again' });
      await waitFor(async () => (await instance.request('state')).mode === 'fleet', { timeoutMs: 5_000, description: 'fleet mode' });
      const modes = instance.events.filter((e) => e.event === 'mode').map((e) => e.mode);
      // Whether the cut was noticed (local mode) or not, it must end in fleet mode.
      expect(modes.length === 0 || modes[modes.length - 1] === 'fleet').toBe(true);
      expectAlive(instance);
    });
  });

  describe('when Redis refuses it the channel', () => {
    const keyPrefix = uniquePrefix('subscriber-refused');
    const channel = transitionsChannel(keyPrefix);
    const syncIntervalMs = 200;
    const connections: Redis[] = [];

    afterAll(() => {
      for (const c of connections) c.disconnect();
    });

    it('reports the refusal and subscribes once it is allowed', async () => {
      await admin.call('ACL', 'SETUSER', 'listener', 'on', '>secret', '~*', '+@all', 'resetchannels', '&unrelated');
      const redis = createCoordinationRedis(server.url);
      const subscriber = new Redis(server.url, { username: 'listener', password: 'secret', autoResubscribe: false });
      connections.push(redis, subscriber);
      await once(redis, 'ready');
      const fleet = createFleetBreakers({ redis, subscriber, instanceId: 'instance-a', keyPrefix, syncIntervalMs });
      const failures: SubscribeFailure[] = [];
      fleet.onSubscribeFailure((f) => failures.push(f));
      try {
        await waitFor(() => failures.length >= 2, { description: 'a refused SUBSCRIBE, retried' });
        expect(failures[0]).toMatchObject({ channel, retryInMs: syncIntervalMs });
        expect(String(failures[0].error)).toContain('NOPERM');
        expect(await subscribers(channel)).toBe(0);

        await admin.call('ACL', 'SETUSER', 'listener', `&${channel}`);
        await waitFor(async () => (await subscribers(channel)) === 1, { timeoutMs: 3 * syncIntervalMs, description: 'subscribed once allowed' });
      } finally {
        await fleet.close();
      }
    });
  });
});
