// Fleet breakers when their Redis dies, comes back, or comes back empty. Each test runs its own
// redis-server so it can kill and restart it.
import { once } from 'node:events';
import Redis from 'ioredis';
import { BreakerOpenError, BreakerState, type BreakerConfig, type ModeChange, type StateChange } from '@breakwater/resilience';
import { breakerKeys, createCoordinationRedis, createFleetBreakers, type FleetBreaker, type FleetBreakers } from '@breakwater/redis-store';
import { startRedisServer, uniquePrefix, type RedisServerHandle } from './support/redis-server';
import { nextTurn, rejectionOf, sleep, waitFor } from './support/wait-for';

const BREAKER = 'provider-a';
const SYNC_INTERVAL_MS = 300;
// Below the fleet's command timeout (250 ms), loose enough for a busy CI machine.
const FAST_CALL_BUDGET_MS = 150;

class ProviderDown extends Error {
  override readonly name = 'ProviderDown';
}

class Downstream {
  calls = 0;
  failing = false;

  readonly call = async (): Promise<string> => {
    const failing = this.failing;
    this.calls++;
    await nextTurn();
    if (failing) throw new ProviderDown('503 {"processed": false}');
    return 'ok';
  };
}

interface Instance {
  id: string;
  redis: Redis;
  fleet: FleetBreakers;
  breaker: FleetBreaker;
  fleetModes: ModeChange[];
  breakerModes: ModeChange[];
  changes: StateChange[];
}

class OutageFixture {
  readonly prefix = uniquePrefix('outage');
  readonly instances: Instance[] = [];

  constructor(readonly server: RedisServerHandle) {}

  async start(count: number, config: Partial<BreakerConfig>): Promise<Instance[]> {
    for (let n = 0; n < count; n++) {
      const id = `instance-${n}`;
      const redis = createCoordinationRedis(this.server.url);
      redis.on('error', () => undefined); // the outage is the point: do not log every refused reconnect
      // A fleet on a connection still connecting starts in local mode (by design): start connected.
      if (redis.status !== 'ready') await once(redis, 'ready');
      const fleet = createFleetBreakers({ redis, instanceId: id, keyPrefix: this.prefix, syncIntervalMs: SYNC_INTERVAL_MS });
      const breaker = fleet.get(BREAKER, config);
      const instance: Instance = { id, redis, fleet, breaker, fleetModes: [], breakerModes: [], changes: [] };
      this.instances.push(instance);
      await fleet.ready();
      expect(breaker.mode).toBe('fleet');
      // Listen from here: what the start-up does to the mode is another test's subject.
      fleet.onModeChange((m) => instance.fleetModes.push(m));
      breaker.onModeChange((m) => instance.breakerModes.push(m));
      breaker.onStateChange((c) => instance.changes.push(c));
    }
    return this.instances;
  }

  async close(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.fleet.close()));
    for (const i of this.instances) i.redis.disconnect();
    await this.server.cleanup();
  }
}

const everyMode = (instances: readonly Instance[], mode: 'fleet' | 'local'): boolean => instances.every((i) => i.breaker.mode === mode && i.fleet.mode === mode);
const everyView = (instances: readonly Instance[], state: BreakerState, version: number): boolean =>
  instances.every((i) => i.breaker.state === state && i.breaker.snapshot().version === version);

/** How long one execute() takes to settle, whatever it settles with. */
async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run().catch(() => undefined);
  return performance.now() - started;
}

/** Calls every instance every `everyMs` until stopped; ignores what the calls answer. */
function steadyTraffic(instances: readonly Instance[], provider: Downstream, everyMs: number) {
  let running = true;
  const loops = instances.map(async (i) => {
    while (running) {
      await i.breaker.execute(provider.call).catch(() => undefined);
      await sleep(everyMs);
    }
  });
  return async (): Promise<void> => {
    running = false;
    await Promise.all(loops);
  };
}

describe('fleet breakers through a Redis outage', () => {
  let fixture: OutageFixture | undefined;

  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it('given a fleet over a Redis that gets killed, then no call waits for Redis, the fleet says it is local, and local rules still trip the breaker', async () => {
    fixture = new OutageFixture(await startRedisServer());
    const [failing, healthy] = await fixture.start(2, { minimumCalls: 5, failureRateThreshold: 0.5, openBaseMs: 5_000 });
    const provider = new Downstream();
    const bad = new Downstream();
    bad.failing = true;

    await fixture.server.kill();

    // Right after the kill, and until the fleet has noticed: every call settles at once.
    const durations: number[] = [];
    for (let n = 0; n < 30; n++) {
      durations.push(await timed(() => healthy.breaker.execute(provider.call)));
      durations.push(await timed(() => failing.breaker.execute(bad.call)));
      await sleep(10);
      if (failing.breaker.state === BreakerState.OPEN) break;
    }
    expect(Math.max(...durations)).toBeLessThan(FAST_CALL_BUDGET_MS);

    await waitFor(() => everyMode(fixture?.instances ?? [], 'local'), { timeoutMs: SYNC_INTERVAL_MS + 1_000, description: 'every instance in local mode' });
    for (const i of [failing, healthy]) {
      expect(i.fleetModes).toEqual([expect.objectContaining({ breaker: '*', mode: 'local' })]);
      expect(i.breakerModes).toEqual([expect.objectContaining({ breaker: BREAKER, mode: 'local' })]);
      expect(i.breakerModes[0].cause).toBeDefined();
      expect(i.breaker.snapshot().mode).toBe('local');
    }

    // The failing instance tripped on its own window, with the same rules; the other did not.
    await waitFor(() => failing.breaker.state === BreakerState.OPEN, { description: 'the failing instance OPEN locally' });
    expect(bad.calls).toBeGreaterThanOrEqual(5);
    expect(bad.calls).toBeLessThanOrEqual(6);
    expect(failing.changes.at(-1)).toMatchObject({ to: BreakerState.OPEN, reason: 'failure-rate', mode: 'local' });
    const callsBefore = bad.calls;
    const error = await rejectionOf(failing.breaker.execute(bad.call));
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect((error as BreakerOpenError).retryAfterMs).toBeGreaterThan(0);
    expect(bad.calls).toBe(callsBefore);
    expect(healthy.breaker.state).toBe(BreakerState.CLOSED);
    expect(await timed(() => healthy.breaker.execute(provider.call))).toBeLessThan(FAST_CALL_BUDGET_MS);
  });

  it('given a fleet in local mode, when Redis comes back with its data, then every instance returns to fleet mode and takes the fleet state again', async () => {
    // AOF with fsync on every write: a killed server comes back with everything it acknowledged.
    fixture = new OutageFixture(await startRedisServer({ extraArgs: ['--appendonly', 'yes', '--appendfsync', 'always'] }));
    // Two reporting instances: the local failures below, which reach the fleet on return, do not trip it.
    const [tripped, other] = await fixture.start(2, { minimumCalls: 5, openBaseMs: 5_000, minReportingInstances: 2 });
    await other.breaker.reset(); // the fleet's state: CLOSED at version 1
    await waitFor(() => everyView([tripped, other], BreakerState.CLOSED, 1));

    await fixture.server.kill();
    await waitFor(() => everyMode([tripped, other], 'local'), { timeoutMs: SYNC_INTERVAL_MS + 1_000, description: 'local mode' });
    // The local breaker trips on its own window (minReportingInstances does not apply to one
    // instance). On return the failures reach the fleet, which holds them back for want of a
    // second reporting instance, and the fleet's state replaces the local one.
    const bad = new Downstream();
    bad.failing = true;
    for (let n = 0; n < 6 && tripped.breaker.state !== BreakerState.OPEN; n++) await tripped.breaker.execute(bad.call).catch(() => undefined);
    expect(tripped.breaker.snapshot()).toMatchObject({ state: BreakerState.OPEN, version: 2, mode: 'local' }); // decided locally
    expect(other.breaker.state).toBe(BreakerState.CLOSED);

    const restartedAt = performance.now();
    await fixture.server.restart();
    const back = await waitFor(() => everyMode([tripped, other], 'fleet'), { timeoutMs: 3_000, description: 'every instance back in fleet mode' });
    expect(performance.now() - restartedAt).toBeLessThan(3_000);
    expect(back).toBeLessThan(3_000);

    for (const i of [tripped, other]) {
      expect(i.fleetModes.map((m) => m.mode)).toEqual(['local', 'fleet']);
      expect(i.breakerModes.map((m) => m.mode)).toEqual(['local', 'fleet']);
      expect(i.breaker.snapshot()).toMatchObject({ state: BreakerState.CLOSED, version: 1, mode: 'fleet' });
    }
    await other.fleet.sync();
    expect(other.breaker.snapshot()).toMatchObject({ calls: 5, failures: 5 });
    expect(tripped.changes.at(-1)).toMatchObject({ from: BreakerState.OPEN, to: BreakerState.CLOSED, version: 1, reason: 'fleet', mode: 'fleet' });

    // And the fleet works as one again: an override on one instance reaches the other.
    await other.breaker.forceOpen();
    await waitFor(() => everyView([tripped, other], BreakerState.FORCED_OPEN, 2), { description: 'every instance FORCED_OPEN at version 2' });
  });

  it('given two instances cut off from Redis, when each sees failures that trip nothing alone, then the fleet learns them when Redis is back, and trips without a fresh burst', async () => {
    fixture = new OutageFixture(await startRedisServer({ extraArgs: ['--appendonly', 'yes', '--appendfsync', 'always'] }));
    const fleet = await fixture.start(2, { minimumCalls: 10, failureRateThreshold: 0.5, openBaseMs: 5_000, openJitter: 0 });
    await fixture.server.kill();
    await waitFor(() => everyMode(fleet, 'local'), { timeoutMs: SYNC_INTERVAL_MS + 1_000, description: 'local mode' });

    // Six failures each: twelve for the fleet, but below minimumCalls for each alone.
    const provider = new Downstream();
    provider.failing = true;
    for (const i of fleet) for (let n = 0; n < 6; n++) await i.breaker.execute(provider.call).catch(() => undefined);
    expect(fleet.map((i) => i.breaker.snapshot())).toEqual([
      expect.objectContaining({ state: BreakerState.CLOSED, mode: 'local', calls: 6, failures: 6 }),
      expect.objectContaining({ state: BreakerState.CLOSED, mode: 'local', calls: 6, failures: 6 }),
    ]);

    await fixture.server.restart();
    await waitFor(() => everyMode(fleet, 'fleet') && everyView(fleet, BreakerState.OPEN, 1), { timeoutMs: 3_000, description: 'every instance back in fleet mode, OPEN' });
    expect(fleet[0].breaker.snapshot().lastTrip).toMatchObject({ reason: 'failure-rate', calls: 12, failures: 12 });
    expect(provider.calls).toBe(12);
    for (const i of fleet) expect(await rejectionOf(i.breaker.execute(provider.call))).toBeInstanceOf(BreakerOpenError);
    expect(provider.calls).toBe(12);
  });

  it('given a fleet OPEN at a high version, when Redis restarts without its data, then the fleet converges to CLOSED version 0 and sees later transitions', async () => {
    fixture = new OutageFixture(await startRedisServer());
    const openBaseMs = 1_500;
    const fleet = await fixture.start(2, { minimumCalls: 5, openBaseMs, openJitter: 0 });
    const [a, b] = fleet;
    for (let n = 0; n < 2; n++) {
      await a.breaker.forceOpen();
      await a.breaker.reset();
    }
    const provider = new Downstream();
    provider.failing = true;
    for (let n = 0; n < 5; n++) await a.breaker.execute(provider.call).catch(() => undefined);
    await waitFor(() => everyView(fleet, BreakerState.OPEN, 5), { description: 'every instance OPEN at version 5' });

    const stopTraffic = steadyTraffic(fleet, provider, 20);
    try {
      await fixture.server.kill();
      await fixture.server.restart(); // --save "" and no AOF: it comes back empty
      provider.failing = false;
      await waitFor(() => everyView(fleet, BreakerState.CLOSED, 0) && everyMode(fleet, 'fleet'), {
        timeoutMs: 4_000,
        description: 'every instance CLOSED at version 0, in fleet mode',
      });

      // The new history counts from 0, and its transitions are not taken for stale ones.
      provider.failing = true;
      await waitFor(() => everyView(fleet, BreakerState.OPEN, 1), { timeoutMs: 3_000, description: 'every instance OPEN at version 1' });
    } finally {
      await stopTraffic();
    }
    expect(b.breaker.snapshot().retryAfterMs).toBeGreaterThan(0);
  });
});

describe('fleet breakers over a private Redis that stays up', () => {
  let server: RedisServerHandle;
  let fixture: OutageFixture;
  let admin: Redis;

  beforeEach(async () => {
    server = await startRedisServer();
    fixture = new OutageFixture(server);
    admin = new Redis(server.url);
  });

  afterEach(async () => {
    admin.disconnect();
    await fixture.close();
  });

  // The same happens after a restart without data whenever the fleet did not notice the outage
  // (no command failed while Redis was away), and after a failover to an empty replica.
  it('given a fleet CLOSED at version 4 whose Redis data is wiped, when the provider then dies under steady traffic, then the fleet should still trip', async () => {
    const fleet = await fixture.start(2, { minimumCalls: 5, openBaseMs: 5_000 });
    const [a] = fleet;
    for (let n = 0; n < 2; n++) {
      await a.breaker.forceOpen();
      await a.breaker.reset();
    }
    await waitFor(() => everyView(fleet, BreakerState.CLOSED, 4), { description: 'every instance CLOSED at version 4' });

    await admin.flushall(); // Redis now says CLOSED at version 0; no connection dropped
    const provider = new Downstream();
    provider.failing = true;
    const stopTraffic = steadyTraffic(fleet, provider, 10);
    let tripped: boolean;
    try {
      tripped = await waitFor(() => fleet.every((i) => i.breaker.state === BreakerState.OPEN), { timeoutMs: 10 * SYNC_INTERVAL_MS }).then(
        () => true,
        () => false,
      );
    } finally {
      await stopTraffic();
    }
    // The evidence when it fails: the views stay CLOSED at version 4, every batch they flush is
    // tagged version 4 and dropped by record-outcomes-4.lua (Redis is at version 0), the window
    // stays empty, and the provider keeps taking every call.
    const evidence = {
      tripped,
      providerCalls: provider.calls,
      views: fleet.map((i) => `${i.breaker.state} v${i.breaker.snapshot().version}`),
      redisState: await admin.hgetall(breakerKeys(fixture.prefix, BREAKER).state),
      redisWindow: await admin.hgetall(breakerKeys(fixture.prefix, BREAKER).window),
    };
    expect(evidence).toEqual({ ...evidence, tripped: true }); // prints the whole evidence on failure
  });
});
