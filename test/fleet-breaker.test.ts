// Fleet breakers over one real Redis: each "instance" is its own FleetBreakers with its own
// ioredis connection, as separate processes of the payment API would be.
import { once } from 'node:events';
import Redis, { type RedisOptions } from 'ioredis';
import { BREAKER_OPEN, BreakerOpenError, BreakerState, type BreakerConfig, type StateChange } from '@breakwater/resilience';
import { createCoordinationRedis, createFleetBreakers, transitionsChannel, type FleetBreaker, type FleetBreakers, type FleetBreakersOptions } from '@breakwater/redis-store';
import { BreakerScripts, ScriptCode, type OutcomeBatchArgs } from '../libs/redis-store/src/breaker-scripts';
import { redisUrl, uniquePrefix } from './support/redis-server';
import { nextTurn, rejectionOf, sleep, waitFor } from './support/wait-for';

const BREAKER = 'provider-a';
const FLUSH_INTERVAL_MS = 50;

// ---------------------------------------------------------------------------------------------
// The downstream: a provider whose behaviour the test sets. Every call is genuinely asynchronous.

type Behaviour = 'succeed' | 'fail' | 'hang' | 'gate';

class ProviderDown extends Error {
  override readonly name = 'ProviderDown';
}

class Downstream {
  calls = 0;
  behaviour: Behaviour = 'succeed';
  private releaseGate: ((verdict: 'ok' | 'fail') => void) | undefined;
  private gate: Promise<'ok' | 'fail'> = this.newGate();

  readonly call = async (): Promise<string> => {
    const behaviour = this.behaviour;
    this.calls++;
    await nextTurn();
    switch (behaviour) {
      case 'succeed':
        return 'ok';
      case 'fail':
        throw new ProviderDown('503 {"processed": false}');
      case 'hang':
        return new Promise<string>(() => undefined);
      case 'gate':
        if ((await this.gate) === 'fail') throw new ProviderDown('probe failed');
        return 'ok';
    }
  };

  /** Lets every call waiting at the gate finish, as a success or a failure. */
  open(verdict: 'ok' | 'fail'): void {
    this.releaseGate?.(verdict);
    this.gate = this.newGate();
  }

  private newGate(): Promise<'ok' | 'fail'> {
    return new Promise((resolve) => (this.releaseGate = resolve));
  }
}

// ---------------------------------------------------------------------------------------------
// A fleet of instances, each with its own connection, closed after every test.

interface Instance {
  id: string;
  redis: Redis;
  fleet: FleetBreakers;
  breaker: FleetBreaker;
  changes: (StateChange & { at: number })[];
}

interface TransitionMessage {
  name: string;
  state: BreakerState;
  version: number;
  reason: string;
  retryAfterMs: number;
  openSteps: number;
}

class FleetFixture {
  readonly prefix = uniquePrefix('fleet');
  readonly instances: Instance[] = [];
  /** Every transition published on the fleet's channel, in order (the fleet's event log). */
  readonly transitions: TransitionMessage[] = [];
  private readonly connections: Redis[] = [];

  async start(count: number, config: Partial<BreakerConfig>, options: Partial<FleetBreakersOptions> = {}): Promise<Instance[]> {
    const started: Instance[] = [];
    for (let i = 0; i < count; i++) started.push(await this.add(config, options));
    return started;
  }

  async add(config: Partial<BreakerConfig>, options: Partial<FleetBreakersOptions> = {}): Promise<Instance> {
    const id = `instance-${this.instances.length}`;
    const redis = createCoordinationRedis(redisUrl());
    redis.on('error', () => undefined);
    this.connections.push(redis);
    // A fleet on a connection still connecting starts in local mode (by design): start connected.
    if (redis.status !== 'ready') await once(redis, 'ready');
    const fleet = createFleetBreakers({ redis, instanceId: id, keyPrefix: this.prefix, flushIntervalMs: FLUSH_INTERVAL_MS, ...options });
    const breaker = fleet.get(BREAKER, config);
    const instance: Instance = { id, redis, fleet, breaker, changes: [] };
    breaker.onStateChange((change) => instance.changes.push({ ...change, at: performance.now() }));
    this.instances.push(instance);
    await fleet.ready();
    expect(breaker.mode).toBe('fleet');
    return instance;
  }

  /** A plain connection the test owns (closed with the fixture). */
  connection(options: Pick<RedisOptions, 'enableOfflineQueue' | 'autoResubscribe'> = {}): Redis {
    const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1, ...options });
    redis.on('error', () => undefined);
    this.connections.push(redis);
    return redis;
  }

  /** Records every transition message the scripts publish for this test's fleet. */
  async listen(): Promise<void> {
    const listener = this.connection();
    listener.on('message', (_channel: string, message: string) => this.transitions.push(JSON.parse(message) as TransitionMessage));
    await listener.subscribe(transitionsChannel(this.prefix));
  }

  async close(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.fleet.close()));
    for (const redis of this.connections) redis.disconnect();
    // Leave nothing behind in the shared Redis.
    const cleaner = new Redis(redisUrl());
    const keys = await cleaner.keys(`${this.prefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
    cleaner.disconnect();
  }
}

const everyState = (instances: readonly Instance[], state: BreakerState): boolean => instances.every((i) => i.breaker.state === state);
const timesOf = (instances: readonly Instance[], to: BreakerState, afterVersion = 0): number[] =>
  instances.map((i) => i.changes.find((c) => c.to === to && c.version > afterVersion)?.at ?? Number.NaN);
const spread = (times: readonly number[]): number => Math.max(...times) - Math.min(...times);

/** Calls `instance` every `everyMs` until stopped; keeps what the breaker answered. */
function steadyTraffic(instances: readonly Instance[], provider: Downstream, everyMs: number) {
  let running = true;
  const rejections: unknown[] = [];
  const loops = instances.map(async (instance) => {
    while (running) {
      try {
        await instance.breaker.execute(provider.call);
      } catch (error) {
        if (!(error instanceof ProviderDown)) rejections.push(error);
      }
      await sleep(everyMs);
    }
  });
  return {
    rejections,
    stop: async (): Promise<void> => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Trips the fleet from one instance: `count` failing calls in a row. */
async function failCalls(instance: Instance, provider: Downstream, count: number): Promise<void> {
  provider.behaviour = 'fail';
  for (let i = 0; i < count; i++) await instance.breaker.execute(provider.call).catch(() => undefined);
}

describe('fleet breakers over one Redis', () => {
  let fixture: FleetFixture;

  beforeEach(() => {
    fixture = new FleetFixture();
  });

  afterEach(async () => {
    await fixture.close();
  });

  it('given a fleet of three breakers, when the provider dies, then they trip together within one flush interval and every instance rejects without calling it', async () => {
    const minimumCalls = 30;
    const callEveryMs = 10;
    const fleet = await fixture.start(3, { minimumCalls, failureRateThreshold: 0.5, openBaseMs: 5_000, openJitter: 0 });
    const provider = new Downstream();
    provider.behaviour = 'fail';

    const traffic = steadyTraffic(fleet, provider, callEveryMs);
    await waitFor(() => everyState(fleet, BreakerState.OPEN), { timeoutMs: 3_000, description: 'every instance OPEN' });
    const callsWhenAllOpen = provider.calls;
    await sleep(200); // callers keep calling: the provider must not see any of it
    await traffic.stop();

    // Every instance learned of the trip within one flush interval of the first.
    expect(spread(timesOf(fleet, BreakerState.OPEN))).toBeLessThanOrEqual(FLUSH_INTERVAL_MS);
    expect(new Set(fleet.map((i) => i.breaker.snapshot().version))).toEqual(new Set([1]));

    // Bounded by minimumCalls plus about a flush interval of the fleet's traffic, well below what
    // three independent breakers would send (3 x minimumCalls).
    const fleetCallsPerFlush = fleet.length * (FLUSH_INTERVAL_MS / callEveryMs);
    expect(provider.calls).toBe(callsWhenAllOpen);
    expect(provider.calls).toBeGreaterThanOrEqual(minimumCalls);
    expect(provider.calls).toBeLessThanOrEqual(minimumCalls + 2 * fleetCallsPerFlush);
    expect(provider.calls).toBeLessThan(fleet.length * minimumCalls);

    // Every refusal is a typed BreakerOpenError with a retry hint, and the provider is not called.
    expect(traffic.rejections.length).toBeGreaterThan(0);
    for (const error of traffic.rejections) expect(error).toBeInstanceOf(BreakerOpenError);
    for (const instance of fleet) {
      const error = await rejectionOf(instance.breaker.execute(provider.call));
      expect(error).toBeInstanceOf(BreakerOpenError);
      expect(error).toMatchObject({ code: BREAKER_OPEN, breaker: BREAKER, state: BreakerState.OPEN });
      expect((error as BreakerOpenError).retryAfterMs).toBeGreaterThan(0);
      expect((error as BreakerOpenError).retryAfterMs).toBeLessThanOrEqual(5_000);
    }
    expect(provider.calls).toBe(callsWhenAllOpen);
  });

  it('given ten instances and three half-open permits, when every instance tries at once after the open interval, then exactly three probes reach the provider', async () => {
    const openBaseMs = 300;
    const fleet = await fixture.start(10, { minimumCalls: 5, openBaseMs, openJitter: 0, halfOpenPermits: 3, halfOpenSuccessThreshold: 3 });
    const provider = new Downstream();
    await failCalls(fleet[0], provider, 5);
    await waitFor(() => everyState(fleet, BreakerState.OPEN), { description: 'every instance OPEN' });
    await waitFor(() => fleet.every((i) => i.breaker.snapshot().retryAfterMs === 0), { timeoutMs: openBaseMs + 500, description: 'the open interval to pass' });

    provider.calls = 0;
    provider.behaviour = 'gate';
    // Every instance sends three calls at once; the probes hang at the gate until released.
    const firstWave = fleet.flatMap((i) => [1, 2, 3].map(() => i.breaker.execute(provider.call)));
    const settled: PromiseSettledResult<string>[] = [];
    const firstWaveSettled = Promise.allSettled(firstWave).then((r) => settled.push(...r));
    await waitFor(() => provider.calls >= 3, { description: 'the probes to reach the provider' });
    await sleep(100);
    expect(provider.calls).toBe(3);
    expect(everyState(fleet, BreakerState.HALF_OPEN)).toBe(true);

    // While the probes run, nobody else gets through, from any instance.
    const secondWave = await Promise.allSettled(fleet.map((i) => i.breaker.execute(provider.call)));
    expect(secondWave.every((r) => r.status === 'rejected' && r.reason instanceof BreakerOpenError)).toBe(true);
    expect(provider.calls).toBe(3);

    provider.open('ok');
    await firstWaveSettled;
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const refused = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(27);
    for (const r of refused) expect(r.reason).toMatchObject({ code: BREAKER_OPEN });
    await waitFor(() => everyState(fleet, BreakerState.CLOSED), { description: 'every instance CLOSED after three good probes' });
  });

  it('given a half-open fleet, when halfOpenSuccessThreshold probes succeed, then every instance closes together', async () => {
    const openBaseMs = 300;
    const fleet = await fixture.start(5, { minimumCalls: 5, openBaseMs, openJitter: 0, halfOpenPermits: 3, halfOpenSuccessThreshold: 2 });
    const provider = new Downstream();
    await failCalls(fleet[0], provider, 5);
    await waitFor(() => everyState(fleet, BreakerState.OPEN), { description: 'every instance OPEN' });
    await sleep(openBaseMs + 20);

    provider.calls = 0;
    // The probes wait at the gate until every instance has asked: on a busy machine a verdict
    // could otherwise close the fleet before the last instance asks, and its call would then run
    // as an ordinary call of the CLOSED breaker (correctly), making four calls, not three probes.
    provider.behaviour = 'gate';
    const pending = Promise.allSettled(fleet.map((i) => i.breaker.execute(provider.call)));
    await waitFor(() => provider.calls >= 3, { description: 'the probes to reach the provider' });
    await sleep(100);
    expect(provider.calls).toBe(3);
    provider.behaviour = 'succeed';
    provider.open('ok');
    const results = await pending;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);

    await waitFor(() => everyState(fleet, BreakerState.CLOSED), { description: 'every instance CLOSED' });
    const closedVersions = new Set(fleet.map((i) => i.breaker.snapshot().version));
    expect(closedVersions.size).toBe(1);
    expect(spread(timesOf(fleet, BreakerState.CLOSED))).toBeLessThanOrEqual(FLUSH_INTERVAL_MS);

    // Closed means closed everywhere: every instance runs its calls again.
    await Promise.all(fleet.map((i) => i.breaker.execute(provider.call)));
    expect(provider.calls).toBe(3 + fleet.length);
  });

  it('given a half-open fleet, when a probe fails, then every instance reopens with the next, longer open interval, and a close resets the backoff', async () => {
    const openBaseMs = 300;
    const config = { minimumCalls: 5, openBaseMs, openMultiplier: 2, openMaxMs: 5_000, openJitter: 0, halfOpenPermits: 1, halfOpenSuccessThreshold: 1 };
    await fixture.listen();
    const fleet = await fixture.start(3, config);
    const retryAfterOnOpen = new Map<number, number[]>(); // version -> each instance's retryAfterMs when it saw OPEN
    for (const i of fleet) {
      i.breaker.onStateChange((c) => {
        if (c.to === BreakerState.OPEN) retryAfterOnOpen.set(c.version, [...(retryAfterOnOpen.get(c.version) ?? []), i.breaker.snapshot().retryAfterMs]);
      });
    }
    const provider = new Downstream();

    // First trip: the base interval.
    await failCalls(fleet[0], provider, 5);
    await waitFor(() => everyState(fleet, BreakerState.OPEN), { description: 'every instance OPEN' });
    const firstOpen = fleet[0].breaker.snapshot().version;

    // After it, one probe, and it fails.
    await sleep(openBaseMs + 20);
    expect(await rejectionOf(fleet[1].breaker.execute(provider.call))).toBeInstanceOf(ProviderDown);
    await waitFor(() => fleet.every((i) => i.breaker.state === BreakerState.OPEN && i.breaker.snapshot().version > firstOpen + 1), {
      description: 'every instance OPEN again after the failed probe',
    });
    const reopened = fleet[0].breaker.snapshot().version;
    for (const i of fleet) expect(i.breaker.snapshot().retryAfterMs).toBeGreaterThan(openBaseMs);

    await waitFor(() => fixture.transitions.length >= 3, { description: 'three transition messages' });
    expect(fixture.transitions.slice(0, 3).map(({ state, reason, openSteps }) => ({ state, reason, openSteps }))).toEqual([
      { state: 'OPEN', reason: 'failure-rate', openSteps: 1 },
      { state: 'HALF_OPEN', reason: 'open-interval-elapsed', openSteps: 1 },
      { state: 'OPEN', reason: 'probe-failed', openSteps: 2 },
    ]);
    const [first, , second] = fixture.transitions;
    expect(first.retryAfterMs).toBeLessThanOrEqual(openBaseMs);
    expect(second.retryAfterMs).toBeGreaterThan(openBaseMs);
    expect(second.retryAfterMs).toBeLessThanOrEqual(2 * openBaseMs);
    // Each instance saw both trips, and a longer wait the second time.
    expect(retryAfterOnOpen.get(firstOpen)).toHaveLength(3);
    expect(retryAfterOnOpen.get(reopened)).toHaveLength(3);
    expect(Math.min(...(retryAfterOnOpen.get(reopened) ?? []))).toBeGreaterThan(Math.max(...(retryAfterOnOpen.get(firstOpen) ?? [])));

    // The provider heals: the next probe closes the fleet, and the next trip is back to the base interval.
    await sleep(2 * openBaseMs + 20);
    provider.behaviour = 'succeed';
    await fleet[2].breaker.execute(provider.call);
    await waitFor(() => everyState(fleet, BreakerState.CLOSED), { description: 'every instance CLOSED' });
    await failCalls(fleet[0], provider, 5);
    await waitFor(() => everyState(fleet, BreakerState.OPEN), { description: 'every instance OPEN a third time' });
    const last = fixture.transitions[fixture.transitions.length - 1];
    expect(last).toMatchObject({ state: 'OPEN', openSteps: 1 });
    expect(last.retryAfterMs).toBeLessThanOrEqual(openBaseMs);
  });

  it('given an instance that misses the transition message, when the fleet trips, then it still converges to OPEN within one sync interval', async () => {
    const syncIntervalMs = 500;
    const config = { minimumCalls: 5, openBaseMs: 5_000, openJitter: 0 };
    const [a, b] = await fixture.start(2, config, { syncIntervalMs });
    const subscriber = fixture.connection({ enableOfflineQueue: true, autoResubscribe: false });
    let messagesSeen = 0;
    subscriber.on('message', () => messagesSeen++);
    const deaf = await fixture.add(config, { syncIntervalMs, subscriber });
    // Its subscription is lost (pub/sub is at-most-once): nothing tells it about transitions now.
    await subscriber.unsubscribe(transitionsChannel(fixture.prefix));

    const provider = new Downstream();
    await failCalls(a, provider, 5);
    await waitFor(() => everyState([a, b], BreakerState.OPEN), { description: 'the listening instances OPEN' });
    const trippedAt = performance.now();
    await waitFor(() => deaf.breaker.state === BreakerState.OPEN, { timeoutMs: syncIntervalMs + 200, description: 'the deaf instance OPEN' });
    expect(performance.now() - trippedAt).toBeLessThanOrEqual(syncIntervalMs + 100);
    expect(messagesSeen).toBe(0);
    expect(deaf.breaker.snapshot().version).toBe(a.breaker.snapshot().version);
    expect(await rejectionOf(deaf.breaker.execute(provider.call))).toBeInstanceOf(BreakerOpenError);
  });

  it('given a fleet that tripped, when anyone reads a breaker, then its window is the new, empty one and lastTrip holds the window that tripped it, with the reason on every instance', async () => {
    const config = { minimumCalls: 10, failureRateThreshold: 0.5, openBaseMs: 5_000, openJitter: 0 };
    const [a, b] = await fixture.start(2, config);
    const provider = new Downstream();
    for (let i = 0; i < 4; i++) await a.breaker.execute(provider.call);
    await failCalls(a, provider, 6);
    await waitFor(() => everyState([a, b], BreakerState.OPEN), { description: 'both instances OPEN' });
    // One who was not there: it learns the trip from Redis alone.
    const late = await fixture.add(config);

    const tripped = { reason: 'failure-rate', calls: 10, failures: 6, slowCalls: 0, failureRate: 0.6, slowCallRate: 0 };
    for (const i of [a, b, late]) {
      const snapshot = i.breaker.snapshot();
      expect(snapshot).toMatchObject({ state: BreakerState.OPEN, calls: 0, failureRate: 0, reason: 'failure-rate', lastTrip: tripped });
      expect(snapshot.lastTrip?.agoMs).toBeGreaterThanOrEqual(0);
      expect(snapshot.lastTrip?.agoMs).toBeLessThan(5_000);
    }
    for (const i of [a, b]) expect(i.changes.map((c) => `${c.from} -> ${c.to} (${c.reason})`)).toEqual(['CLOSED -> OPEN (failure-rate)']);

    await b.breaker.forceOpen();
    await waitFor(() => everyState([a, b, late], BreakerState.FORCED_OPEN), { description: 'every instance FORCED_OPEN' });
    expect(a.breaker.snapshot()).toMatchObject({ reason: 'forced-open', lastTrip: tripped });
    expect(a.changes.at(-1)).toMatchObject({ to: BreakerState.FORCED_OPEN, reason: 'forced-open' });
  });

  it('given minReportingInstances 2, when one sick instance fails alone the fleet stays closed, and when a second instance fails too the fleet trips', async () => {
    const fleet = await fixture.start(3, { minimumCalls: 10, minReportingInstances: 2, openBaseMs: 5_000 });
    const [sick, second] = fleet;
    const provider = new Downstream();

    await failCalls(sick, provider, 30);
    await sleep(3 * FLUSH_INTERVAL_MS);
    await Promise.all(fleet.map((i) => i.fleet.sync()));
    expect(everyState(fleet, BreakerState.CLOSED)).toBe(true);
    // Not for lack of evidence: the fleet's window holds all thirty failures.
    expect(fleet[2].breaker.snapshot()).toMatchObject({ calls: 30, failures: 30, failureRate: 1 });

    await failCalls(second, provider, 1);
    await waitFor(() => everyState(fleet, BreakerState.OPEN), { description: 'every instance OPEN' });
  });

  it('given a hanging provider, when calls never settle, then the slow-call rule trips the fleet', async () => {
    await fixture.listen();
    const slowCallDurationMs = 200;
    const fleet = await fixture.start(3, { minimumCalls: 6, slowCallDurationMs, slowCallRateThreshold: 0.5, halfOpenMaxWaitMs: 1_000, openBaseMs: 5_000 });
    const provider = new Downstream();
    provider.behaviour = 'hang';

    let settledCalls = 0;
    const started = performance.now();
    for (const i of fleet) {
      for (let n = 0; n < 2; n++) {
        i.breaker.execute(provider.call).then(
          () => settledCalls++,
          () => settledCalls++,
        );
      }
    }
    await waitFor(() => everyState(fleet, BreakerState.OPEN), { timeoutMs: 2_000, description: 'every instance OPEN' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(slowCallDurationMs);
    expect(elapsed).toBeLessThan(slowCallDurationMs + 500);
    await waitFor(() => fixture.transitions.length > 0);
    expect(fixture.transitions[0]).toMatchObject({ state: 'OPEN', reason: 'slow-call-rate' });

    for (const i of fleet) expect(await rejectionOf(i.breaker.execute(provider.call))).toBeInstanceOf(BreakerOpenError);
    expect(provider.calls).toBe(6);
    expect(settledCalls).toBe(0); // the hung calls are still hung: nothing waited for them to end
  });

  it('given an operator, when they force open, disable and reset on one instance, then every instance follows and the version goes up each time', async () => {
    const fleet = await fixture.start(3, { minimumCalls: 5, openBaseMs: 700 });
    const [operator] = fleet;
    const provider = new Downstream();
    const versions: number[] = [operator.breaker.snapshot().version];
    const sameEverywhere = (state: BreakerState) => () =>
      everyState(fleet, state) && new Set(fleet.map((i) => i.breaker.snapshot().version)).size === 1;

    await operator.breaker.forceOpen();
    await waitFor(sameEverywhere(BreakerState.FORCED_OPEN), { description: 'every instance FORCED_OPEN' });
    versions.push(operator.breaker.snapshot().version);
    for (const i of fleet) {
      const error = await rejectionOf(i.breaker.execute(provider.call));
      expect(error).toMatchObject({ code: BREAKER_OPEN, state: BreakerState.FORCED_OPEN, retryAfterMs: 700 });
    }
    expect(provider.calls).toBe(0);

    await operator.breaker.disable();
    await waitFor(sameEverywhere(BreakerState.DISABLED), { description: 'every instance DISABLED' });
    versions.push(operator.breaker.snapshot().version);
    // Disabled lets everything through, and failures do not trip it.
    for (const i of fleet) await failCalls(i, provider, 10);
    await sleep(3 * FLUSH_INTERVAL_MS);
    expect(provider.calls).toBe(30);
    expect(everyState(fleet, BreakerState.DISABLED)).toBe(true);

    await operator.breaker.reset();
    await waitFor(sameEverywhere(BreakerState.CLOSED), { description: 'every instance CLOSED' });
    versions.push(operator.breaker.snapshot().version);
    await Promise.all(fleet.map((i) => i.fleet.sync()));
    for (const i of fleet) expect(i.breaker.snapshot()).toMatchObject({ state: BreakerState.CLOSED, calls: 0, retryAfterMs: 0 });

    expect(versions).toEqual([0, 1, 2, 3]);
  });

  describe('outcome batches (record-outcomes-4.lua)', () => {
    let scripts: BreakerScripts;
    let breaker: FleetBreaker;
    let fleet: FleetBreakers;

    beforeEach(async () => {
      [{ breaker, fleet }] = await fixture.start(1, { minimumCalls: 100 });
      scripts = new BreakerScripts(fixture.connection(), transitionsChannel(fixture.prefix), 'instance-x', Math.random);
    });

    const batch = (overrides: Partial<OutcomeBatchArgs> = {}): OutcomeBatchArgs => ({
      session: 'instance-x:s1',
      sequence: 1,
      ageMs: 0,
      version: 0,
      calls: 7,
      failures: 2,
      slowCalls: 1,
      sawSuccess: true,
      trailingFailures: 0,
      ...overrides,
    });

    it('given a flush whose reply was lost, when the same batch is sent again, then it is counted once', async () => {
      const first = await scripts.recordBatch(breaker.target, batch());
      const repeated = await scripts.recordBatch(breaker.target, batch());

      expect(first.code).toBe(ScriptCode.COUNTED);
      expect(repeated.code).toBe(ScriptCode.DUPLICATE);
      expect(repeated.snapshot.totals).toMatchObject({ calls: 7, failures: 2, slowCalls: 1 });
      await fleet.sync();
      expect(breaker.snapshot()).toMatchObject({ calls: 7, failures: 2, slowCalls: 1 });

      // The next sequence is another batch, and so is the same sequence of another session.
      await scripts.recordBatch(breaker.target, batch({ sequence: 2 }));
      await scripts.recordBatch(breaker.target, batch({ session: 'instance-y:s1' }));
      await fleet.sync();
      expect(breaker.snapshot()).toMatchObject({ calls: 21, failures: 6, slowCalls: 3 });
      // A session sends its batches in order: one older than a batch counted since is a repeat.
      expect((await scripts.recordBatch(breaker.target, batch({ sequence: 1 }))).code).toBe(ScriptCode.DUPLICATE);
      // Idempotency costs one hash per breaker, one field per session: no key per batch.
      expect(await fixture.connection().hgetall(breaker.target.keys.sequences)).toEqual({
        'instance-x:s1': expect.stringMatching(/^2:\d+$/),
        'instance-y:s1': expect.stringMatching(/^1:\d+$/),
      });
      expect(await fixture.connection().keys(`${fixture.prefix}*batch*`)).toEqual([]);
    });

    it('given a batch whose outcomes happened a while ago (seen while cut off from Redis), then they count in the bucket they happened in, and not at all once older than the window', async () => {
      const aged = await scripts.recordBatch(breaker.target, batch({ ageMs: 3_000 }));
      expect(aged.code).toBe(ScriptCode.COUNTED);
      const window = await fixture.connection().hgetall(breaker.target.keys.window);
      const buckets = Object.keys(window).filter((f) => f.endsWith(':c')).map((f) => Number(f.split(':')[0]));
      const [seconds] = await fixture.connection().time();
      // Buckets of 1 s (10 s window, 10 buckets): three seconds ago, not now.
      expect(buckets).toHaveLength(1);
      expect(Number(seconds) - buckets[0]).toBeGreaterThanOrEqual(2);
      expect(Number(seconds) - buckets[0]).toBeLessThanOrEqual(4);

      const tooOld = await scripts.recordBatch(breaker.target, batch({ sequence: 2, ageMs: 10_000 }));
      expect(tooOld.code).toBe(ScriptCode.IGNORED);
      expect(tooOld.snapshot.totals).toMatchObject({ calls: 7 });
    });

    it('given a batch collected under an earlier version, when it arrives after the breaker moved on, then it is dropped', async () => {
      await breaker.reset(); // a new episode: version 1
      expect(breaker.snapshot().version).toBe(1);

      const late = await scripts.recordBatch(breaker.target, batch({ version: 0, failures: 7, sawSuccess: false, trailingFailures: 7 }));
      expect(late.code).toBe(ScriptCode.IGNORED);
      expect(late.snapshot).toMatchObject({ state: BreakerState.CLOSED, version: 1, totals: { calls: 0, failures: 0 } });

      const current = await scripts.recordBatch(breaker.target, batch({ sequence: 2, version: 1 }));
      expect(current.code).toBe(ScriptCode.COUNTED);
      await fleet.sync();
      expect(breaker.snapshot()).toMatchObject({ version: 1, calls: 7, failures: 2 });
    });

    it('given a call admitted before an operator reset, when it fails after the reset, then its late outcome does not reach the new episode', async () => {
      const [other] = await fixture.start(1, { minimumCalls: 100 });
      const provider = new Downstream();
      provider.behaviour = 'gate';
      const lateCall = rejectionOf(breaker.execute(provider.call)); // admitted under version 0
      await waitFor(() => provider.calls === 1);

      await other.breaker.reset();
      await waitFor(() => breaker.snapshot().version === 1, { description: 'the reset to reach the first instance' });
      provider.open('fail');
      expect(await lateCall).toBeInstanceOf(ProviderDown);
      provider.behaviour = 'succeed';
      await breaker.execute(provider.call); // admitted under version 1
      await sleep(3 * FLUSH_INTERVAL_MS);

      await fleet.sync();
      expect(breaker.snapshot()).toMatchObject({ version: 1, calls: 1, failures: 0 });
    });
  });
});
