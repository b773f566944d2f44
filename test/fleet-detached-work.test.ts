// Given two fleet instances over one Redis, the second with a state-change listener that throws
// (a bug in a logging or metrics binder): when the first trips the breaker, the second learns it
// by pub/sub, by the periodic re-read and by its own flush replies, work that nobody awaits. The
// process goes on (the strict test environment fails this file on any uncaught exception or
// unhandled rejection), the failure is a process warning, and the instance still ends up OPEN.
// And a mode-change or broken-breaker listener that throws when the connection drops, or when a
// breaker's data is broken, is reported the same way instead of ending the process.
//
// Before, the transition message threw inside ioredis's message handler (an uncaught exception),
// and the re-read and flushes rejected with no handler: each ends a Node 20 process, on every
// instance at the same moment.
import { once } from 'node:events';
import Redis from 'ioredis';
import { BreakerState, LISTENER_FAILED } from '@breakwater/resilience';
import { createCoordinationRedis, createFleetBreakers, type FleetBreakers } from '@breakwater/redis-store';
import { redisUrl, uniquePrefix } from './support/redis-server';
import { waitFor } from './support/wait-for';

const BREAKER = 'provider-a';
const CONFIG = { minimumCalls: 5, openBaseMs: 5_000, openJitter: 0 };

class ListenerBug extends Error {
  override readonly name = 'ListenerBug';
}

describe('detached fleet work', () => {
  const keyPrefix = uniquePrefix('detached-work');
  const connections: Redis[] = [];
  const fleets: FleetBreakers[] = [];

  async function instance(id: string): Promise<FleetBreakers> {
    const redis = createCoordinationRedis(redisUrl());
    redis.on('error', () => undefined);
    connections.push(redis);
    await once(redis, 'ready');
    const fleet = createFleetBreakers({ redis, instanceId: id, keyPrefix, syncIntervalMs: 200 });
    fleets.push(fleet);
    fleet.get(BREAKER, CONFIG);
    await fleet.ready();
    return fleet;
  }

  afterEach(() => jest.restoreAllMocks());

  /** The process warnings that report a listener that threw. */
  function listenerWarnings(): string[] {
    const warnings: string[] = [];
    jest.spyOn(process, 'emitWarning').mockImplementation((warning: string | Error, options?: unknown) => {
      if (typeof options === 'object' && options !== null && 'code' in options && options.code === LISTENER_FAILED) warnings.push(String(warning));
    });
    return warnings;
  }

  afterAll(async () => {
    await Promise.all(fleets.map((f) => f.close()));
    for (const c of connections) c.disconnect();
    const cleaner = new Redis(redisUrl());
    const keys = await cleaner.keys(`${keyPrefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
    cleaner.disconnect();
  });

  it('survives a state-change listener that throws, says so in a warning, and still converges', async () => {
    const warnings = listenerWarnings();
    const healthy = await instance('instance-a');
    const buggy = await instance('instance-b');
    let thrown = 0;
    buggy.get(BREAKER).onStateChange(() => {
      thrown++;
      throw new ListenerBug('the metrics binder broke');
    });

    const trip = healthy.get(BREAKER);
    for (let i = 0; i < CONFIG.minimumCalls; i++) {
      await trip.execute(() => Promise.reject(new Error('provider down'))).catch(() => undefined);
    }

    await waitFor(() => buggy.get(BREAKER).state === BreakerState.OPEN, { description: 'the buggy instance OPEN' });
    await waitFor(() => warnings.length > 0, { description: 'a warning about the failed work' });
    expect(thrown).toBeGreaterThan(0);
    expect(warnings[0]).toContain('ListenerBug: the metrics binder broke');
    expect(buggy.mode).toBe('fleet');
  });

  it('survives a mode-change listener that throws when the connection is cut', async () => {
    const warnings = listenerWarnings();
    const fleet = await instance('instance-c');
    fleet.onModeChange(() => {
      throw new ListenerBug('the mode logger broke');
    });
    const killer = new Redis(redisUrl());
    connections.push(killer);
    const clientId = await (connections[connections.length - 2] as Redis).client('ID');
    await killer.client('KILL', 'ID', String(clientId));

    await waitFor(() => warnings.length > 0, { description: 'a warning about the listener' });
    expect(warnings[0]).toContain('ListenerBug: the mode logger broke');
    await waitFor(() => fleet.mode === 'fleet', { timeoutMs: 5_000, description: 'back in fleet mode after the reconnect' });
  });

  it('survives a broken-breaker listener that throws', async () => {
    const warnings = listenerWarnings();
    const fleet = await instance('instance-d');
    fleet.onBreakerBroken(() => {
      throw new ListenerBug('the broken-breaker alert broke');
    });
    const writer = new Redis(redisUrl());
    connections.push(writer);
    // A breaker whose state key holds the wrong type: every script on it fails with WRONGTYPE.
    await writer.set(`${keyPrefix}bw:{broken-one}:state`, 'not a hash');
    fleet.get('broken-one', CONFIG);

    await waitFor(() => warnings.length > 0, { description: 'a warning about the listener' });
    expect(warnings[0]).toContain('ListenerBug: the broken-breaker alert broke');
  });
});
