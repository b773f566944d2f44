// When a fleet breaker stops deciding with Redis, and for whom.
//
// A lost coordination connection switches the fleet to local mode on the connection's own close
// event, not when the next command happens to fail (up to syncIntervalMs later, or never for a
// breaker with no traffic): the flag says what calls are really decided with.
import Redis from 'ioredis';
import { BreakerState, type ModeChange } from '@breakwater/resilience';
import { FleetInstances } from './support/fleet-instances';
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
});
