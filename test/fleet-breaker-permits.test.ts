// Half-open permits that come back: a probe that ended without a verdict, and a permit request
// that timed out on the client although Redis granted it. Either way the permit must be found
// again soon, not after halfOpenMaxWaitMs (10 s here, as by default), or a healed provider stays
// shut out and the fleet reopens with a longer backoff.
import { BreakerOpenError, BreakerState, type BreakerConfig } from '@breakwater/resilience';
import { PERMIT_RECHECK_MS } from '@breakwater/redis-store';
import { BreakerScripts } from '../libs/redis-store/src/breaker-scripts';
import { Downstream, everyState, failCalls, FleetInstances, isNeverSent, NeverSent, type Instance } from './support/fleet-instances';
import { startRedisServer, type RedisServerHandle } from './support/redis-server';
import { nextTurn, rejectionOf, sleep, waitFor } from './support/wait-for';

const HALF_OPEN_MAX_WAIT_MS = 10_000;
const OPEN_BASE_MS = 300;
// One permit: a single lost one shuts the provider out completely.
const CONFIG: Partial<BreakerConfig> = {
  minimumCalls: 5,
  openBaseMs: OPEN_BASE_MS,
  openJitter: 0,
  halfOpenPermits: 1,
  halfOpenSuccessThreshold: 1,
  halfOpenMaxWaitMs: HALF_OPEN_MAX_WAIT_MS,
  isIgnored: isNeverSent,
};

/** Trips the fleet from its first instance and waits until every instance may ask for a probe. */
async function tripAndWaitOut(instances: readonly Instance[], provider: Downstream): Promise<void> {
  await failCalls(instances[0], provider, 5);
  await waitFor(() => everyState(instances, BreakerState.OPEN), { description: 'every instance OPEN' });
  await waitFor(() => instances.every((i) => i.breaker.snapshot().retryAfterMs === 0), { timeoutMs: OPEN_BASE_MS + 500, description: 'the open interval to pass' });
}

/** Calls `instance` until a call reaches the provider and succeeds; resolves with how long that took. */
function untilACallPasses(instance: Instance, provider: Downstream, timeoutMs: number, description: string): Promise<number> {
  return waitFor(
    () =>
      instance.breaker.execute(provider.call).then(
        () => true,
        () => false,
      ),
    { timeoutMs, description },
  );
}

describe('half-open permits that come back', () => {
  let fleet: FleetInstances | undefined;
  let server: RedisServerHandle | undefined;

  afterEach(async () => {
    jest.restoreAllMocks();
    await fleet?.close();
    await server?.cleanup();
    fleet = server = undefined;
  });

  describe('a probe that ends with an ignored error gives its permit back', () => {
    it('given an instance refused the only permit, when the probe holding it never reaches the provider, then that instance finds the permit soon, not after halfOpenMaxWaitMs', async () => {
      fleet = new FleetInstances();
      // No periodic re-read within the test: only the news of the release can help.
      const [prober, refused] = await fleet.start(2, CONFIG, { syncIntervalMs: 60_000 });
      const provider = new Downstream();
      await tripAndWaitOut([prober, refused], provider);

      provider.behaviour = 'gate';
      const probe = rejectionOf(prober.breaker.execute(provider.call));
      await waitFor(() => provider.calls === 6, { description: 'the probe to reach the gate' });
      const refusal = await rejectionOf(refused.breaker.execute(provider.call));
      expect(refusal).toBeInstanceOf(BreakerOpenError);
      expect((refusal as BreakerOpenError).retryAfterMs).toBeLessThanOrEqual(PERMIT_RECHECK_MS);

      provider.behaviour = 'succeed';
      provider.release(() => {
        throw new NeverSent('the request was never written');
      });
      expect(await probe).toBeInstanceOf(NeverSent);

      await untilACallPasses(refused, provider, 1_000, 'the refused instance to run a probe');
      await waitFor(() => everyState([prober, refused], BreakerState.CLOSED), { description: 'every instance CLOSED' });
    });

    it('given every permit is out, when an instance refused one keeps getting calls, then it asks Redis again at most once per PERMIT_RECHECK_MS', async () => {
      fleet = new FleetInstances();
      const [prober, refused] = await fleet.start(2, CONFIG, { syncIntervalMs: 60_000 });
      const provider = new Downstream();
      await tripAndWaitOut([prober, refused], provider);
      provider.behaviour = 'gate';
      const probe = prober.breaker.execute(provider.call);
      await waitFor(() => provider.calls === 6, { description: 'the probe to reach the gate' });
      const acquire = jest.spyOn(BreakerScripts.prototype, 'acquire');

      const durationMs = 1_000;
      const started = performance.now();
      while (performance.now() - started < durationMs) {
        expect(await rejectionOf(refused.breaker.execute(provider.call))).toBeInstanceOf(BreakerOpenError);
        await nextTurn();
      }

      expect(acquire.mock.calls.length).toBeGreaterThanOrEqual(2);
      expect(acquire.mock.calls.length).toBeLessThanOrEqual(durationMs / PERMIT_RECHECK_MS + 1);
      expect(provider.calls).toBe(6);
      provider.release();
      await probe;
      await waitFor(() => everyState([prober, refused], BreakerState.CLOSED), { description: 'every instance CLOSED' });
    });
  });

  describe('a permit request that times out on the client but runs on Redis', () => {
    it('given Redis stalls behind a permit request, when the request runs after the client gave up, then the permit is given back once Redis answers, and a probe closes the fleet', async () => {
      server = await startRedisServer({ extraArgs: ['--enable-debug-command', 'yes'] });
      fleet = new FleetInstances(server.url);
      const commandTimeoutMs = 100;
      const [instance] = await fleet.start(1, CONFIG, { commandTimeoutMs, syncIntervalMs: 200 });
      const provider = new Downstream();
      await tripAndWaitOut([instance], provider);
      const admin = fleet.connection();
      const { state: stateKey, permits: permitsKey } = instance.breaker.target.keys;

      // Redis stalls for five command timeouts; the permit request queues behind the stall.
      const stall = admin.call('DEBUG', 'SLEEP', '0.5');
      await sleep(50);
      provider.behaviour = 'succeed';
      await instance.breaker.execute(provider.call); // the client gave up: decided locally
      expect(instance.breaker.mode).toBe('local');
      await stall;

      // The request did run: the fleet went HALF_OPEN and its only permit went to nobody.
      expect(await admin.hget(stateKey, 'state')).toBe(BreakerState.HALF_OPEN);
      await waitFor(() => instance.breaker.mode === 'fleet', { description: 'the instance back in fleet mode' });
      await waitFor(async () => (await admin.hlen(permitsKey)) === 0 && (await admin.hget(stateKey, 'permitsIssued')) === '0', {
        timeoutMs: 1_500,
        description: 'the orphaned permit to be given back',
      });

      const newcomer = await fleet.add(CONFIG, { commandTimeoutMs, syncIntervalMs: 200 });
      await newcomer.breaker.execute(provider.call);
      await waitFor(() => everyState([instance, newcomer], BreakerState.CLOSED), { description: 'every instance CLOSED' });
    });
  });
});
