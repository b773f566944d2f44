// When a fleet breaker stops deciding with Redis, and for whom.
//
// A lost coordination connection switches the fleet to local mode on the connection's own close
// event, not when the next command happens to fail (up to syncIntervalMs later, or never for a
// breaker with no traffic): the flag says what calls are really decided with.
//
// A script that fails on one breaker's data (a key of the wrong type, a stray field) is not Redis
// being away: that breaker alone decides locally and says it is broken; the others, and the
// fleet, stay with Redis. Before, the error switched every breaker of the process to local mode,
// and the periodic re-read, failing on the broken breaker, kept them there for good.
import Redis from 'ioredis';
import { BreakerState, type ModeChange } from '@breakwater/resilience';
import { BrokenFleetBreakerError, FLEET_BREAKER_BROKEN } from '@breakwater/redis-store';
import { Downstream, failCalls, FleetInstances } from './support/fleet-instances';
import { redisUrl } from './support/redis-server';
import { TcpFaultProxy } from './support/tcp-fault-proxy';
import { waitFor } from './support/wait-for';

const CONFIG = { minimumCalls: 5, openBaseMs: 5_000, openJitter: 0 };

describe('fleet breaker modes', () => {
  let fleet: FleetInstances | undefined;
  let proxy: TcpFaultProxy | undefined;
  const subscribers: Redis[] = [];

  afterEach(async () => {
    await fleet?.close();
    await proxy?.close();
    for (const s of subscribers.splice(0)) s.disconnect();
    fleet = proxy = undefined;
  });

  describe('a lost coordination connection', () => {
    it('given an instance with no traffic and a re-read once a minute, when its connection is cut, then it is in local mode at once, and back in fleet mode once Redis answers again', async () => {
      proxy = await TcpFaultProxy.start({ port: Number(new URL(redisUrl()).port || 6379) });
      fleet = new FleetInstances(`redis://127.0.0.1:${proxy.port}`);
      // Only the coordination connection goes through the proxy: its own close must be the signal.
      const subscriber = new Redis(redisUrl(), { autoResubscribe: false });
      subscriber.on('error', () => undefined);
      subscribers.push(subscriber);
      const [instance] = await fleet.start(1, CONFIG, { syncIntervalMs: 60_000, subscriber });
      const modes: (ModeChange & { afterMs: number })[] = [];
      let cutAt = 0;
      instance.fleet.onModeChange((m) => modes.push({ ...m, afterMs: performance.now() - cutAt }));

      cutAt = performance.now();
      proxy.dropConnections();

      await waitFor(() => modes.some((m) => m.mode === 'local'), { timeoutMs: 1_000, description: 'a switch to local mode' });
      expect(modes[0]).toMatchObject({ breaker: '*', mode: 'local' });
      // The close event comes with the reset, well before the first reconnect attempt (50 ms).
      expect(modes[0].afterMs).toBeLessThan(25);
      await waitFor(() => instance.fleet.mode === 'fleet' && instance.breaker.mode === 'fleet', { timeoutMs: 2_000, description: 'fleet mode again' });
      expect(modes.map((m) => m.mode)).toEqual(['local', 'fleet']);
      expect(instance.breaker.state).toBe(BreakerState.CLOSED);
    });
  });

  describe('a breaker whose Redis data is broken', () => {
    const corruptions = [
      {
        what: 'its state key holds a string (WRONGTYPE)',
        corrupt: (admin: Redis, keys: { state: string }) => admin.set(keys.state, 'not a hash'),
        repair: (admin: Redis, keys: { state: string }) => admin.del(keys.state),
      },
      {
        what: 'its window holds a stray field',
        corrupt: (admin: Redis, keys: { window: string }) => admin.hset(keys.window, 'stray', 'x'),
        repair: (admin: Redis, keys: { window: string }) => admin.hdel(keys.window, 'stray'),
      },
    ];

    it.each(corruptions)('given $what, then that breaker alone decides locally and says so, the others stay with the fleet, and a repair brings it back', async ({ corrupt, repair }) => {
      fleet = new FleetInstances();
      const [instance] = await fleet.start(1, CONFIG, { syncIntervalMs: 60_000 });
      const broken = instance.breaker;
      const healthy = instance.fleet.get('provider-b', CONFIG);
      await instance.fleet.sync();
      const admin = fleet.connection();
      const fleetModes: ModeChange[] = [];
      const brokenModes: ModeChange[] = [];
      instance.fleet.onModeChange((m) => fleetModes.push(m));
      broken.onModeChange((m) => brokenModes.push(m));
      const provider = new Downstream();
      await corrupt(admin, broken.target.keys);

      await failCalls(instance, provider, 4);
      await broken.flush(); // the script fails on the breaker's data

      expect(broken.mode).toBe('local');
      expect(brokenModes).toEqual([expect.objectContaining({ breaker: broken.name, mode: 'local' })]);
      expect(brokenModes[0].cause).toBeInstanceOf(BrokenFleetBreakerError);
      expect(brokenModes[0].cause).toMatchObject({ code: FLEET_BREAKER_BROKEN, breaker: broken.name });
      expect(broken.snapshot()).toMatchObject({ mode: 'local', fault: { code: FLEET_BREAKER_BROKEN } });
      // The periodic re-read fails on the broken breaker too: it must not take the others along.
      await instance.fleet.sync();
      expect(fleetModes).toEqual([]);
      expect([instance.fleet.mode, healthy.mode, broken.mode]).toEqual(['fleet', 'fleet', 'local']);
      expect(healthy.snapshot()).not.toHaveProperty('fault');

      // The broken breaker decides alone, with the window it kept warm: the fifth failure trips it.
      await failCalls(instance, provider, 1);
      expect(broken.snapshot()).toMatchObject({ state: BreakerState.OPEN, mode: 'local', reason: 'failure-rate' });
      // The healthy one trips the fleet's way, in Redis.
      for (let n = 0; n < 5; n++) await healthy.execute(provider.call).catch(() => undefined);
      await waitFor(() => healthy.state === BreakerState.OPEN, { description: 'the healthy breaker OPEN' });
      expect(await admin.hget(healthy.target.keys.state, 'state')).toBe(BreakerState.OPEN);

      await repair(admin, broken.target.keys);
      await instance.fleet.sync();
      expect(broken.mode).toBe('fleet');
      expect(broken.snapshot()).not.toHaveProperty('fault');
      expect(brokenModes.map((m) => m.mode)).toEqual(['local', 'fleet']);
    });
  });
});
