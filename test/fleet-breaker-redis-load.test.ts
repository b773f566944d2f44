// What calls cost Redis. A refused call decided by the instance's view costs no round trip, a
// failing call costs no flush of its own unless it could trip the breaker, and a disabled breaker
// sends and records nothing. Script calls are counted at the one place every instance sends them.
import { BreakerOpenError, BreakerState, type BreakerConfig, type CallRecorded, type Clock } from '@breakwater/resilience';
import { BreakerScripts } from '../libs/redis-store/src/breaker-scripts';
import { Downstream, everyState, failCalls, FleetInstances, isNeverSent, NeverSent } from './support/fleet-instances';
import { rejectionOf, sleep, waitFor } from './support/wait-for';

const FLUSH_INTERVAL_MS = 50;

describe('what fleet breaker calls cost Redis', () => {
  let fleet: FleetInstances;

  beforeEach(() => {
    fleet = new FleetInstances();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await fleet.close();
  });

  describe('flushes while minReportingInstances holds the trip back', () => {
    const config: Partial<BreakerConfig> = { minimumCalls: 10, minReportingInstances: 2, openBaseMs: 5_000 };

    it('given one sick instance among three, when it fails call after call for a second, then it flushes on its ticks, not once per failure', async () => {
      const [sick, ...healthy] = await fleet.start(3, config, { flushIntervalMs: FLUSH_INTERVAL_MS });
      const recordBatch = jest.spyOn(BreakerScripts.prototype, 'recordBatch');
      const provider = new Downstream();
      provider.behaviour = 'fail';

      const durationMs = 1_000;
      const started = performance.now();
      let failures = 0;
      while (performance.now() - started < durationMs) {
        await sick.breaker.execute(provider.call).catch(() => undefined);
        failures++;
      }
      const flushes = recordBatch.mock.calls.length;

      expect(failures).toBeGreaterThan(10 * (durationMs / FLUSH_INTERVAL_MS));
      // One per tick; before the window holds minimumCalls, each failure goes at once (the rate is
      // over the threshold and only volume is missing), until Redis answers HELD_BACK.
      expect(flushes).toBeLessThanOrEqual(durationMs / FLUSH_INTERVAL_MS + (config.minimumCalls ?? 0) + 5);
      expect(everyState([sick, ...healthy], BreakerState.CLOSED)).toBe(true);
    });

    it('given another instance has reported failures, when this one’s failures complete the trip rule, then it flushes at once, not at its next tick', async () => {
      // Ticks too rare to matter: only an early flush can trip the fleet within the test.
      const [first, second] = await fleet.start(2, config, { flushIntervalMs: 60_000 });
      const provider = new Downstream();
      await failCalls(first, provider, 1);
      await first.breaker.flush();
      await second.fleet.sync();

      await failCalls(second, provider, 9);

      await waitFor(() => everyState([first, second], BreakerState.OPEN), { timeoutMs: 1_000, description: 'every instance OPEN' });
    });
  });

  describe('a permit refused because the fleet is still OPEN', () => {
    it('given an instance whose view says the open interval is over while the fleet says it is not, when its permit request is refused, then its later calls are refused without asking Redis', async () => {
      const config: Partial<BreakerConfig> = { minimumCalls: 5, openBaseMs: 5_000, openJitter: 0 };
      const [tripper] = await fleet.start(1, config);
      // Runs ahead of Redis time, as after Redis failed over to a replica with a slower clock.
      let aheadByMs = 0;
      const clock: Clock = { now: () => performance.now() + aheadByMs };
      const ahead = await fleet.add(config, { clock });
      const provider = new Downstream();
      await failCalls(tripper, provider, 5);
      await waitFor(() => everyState([tripper, ahead], BreakerState.OPEN), { description: 'every instance OPEN' });
      aheadByMs = 6_000;
      expect(ahead.breaker.snapshot().retryAfterMs).toBe(0);
      const acquire = jest.spyOn(BreakerScripts.prototype, 'acquire');

      const refusals: unknown[] = [];
      for (let n = 0; n < 20; n++) refusals.push(await rejectionOf(ahead.breaker.execute(provider.call)));

      expect(acquire).toHaveBeenCalledTimes(1);
      for (const refusal of refusals) {
        expect(refusal).toBeInstanceOf(BreakerOpenError);
        expect(refusal).toMatchObject({ state: BreakerState.OPEN });
        // What the fleet said is left of its interval, not "ask again now".
        expect((refusal as BreakerOpenError).retryAfterMs).toBeGreaterThan(3_000);
      }
      expect(provider.calls).toBe(5);
    });
  });

  describe('what flushes leave behind', () => {
    it('given an instance whose calls are flushed on every tick for a second, then Redis holds the breaker’s three keys and nothing per batch', async () => {
      const [instance] = await fleet.start(1, { minimumCalls: 1_000 }, { flushIntervalMs: FLUSH_INTERVAL_MS });
      const recordBatch = jest.spyOn(BreakerScripts.prototype, 'recordBatch');
      const provider = new Downstream();
      const started = performance.now();
      while (performance.now() - started < 1_000) {
        await instance.breaker.execute(provider.call);
        await sleep(5);
      }
      await instance.breaker.flush();

      expect(recordBatch.mock.calls.length).toBeGreaterThan(10);
      const keys = await fleet.connection().keys(`${fleet.prefix}*`);
      // Idempotency rests on one high-water mark per instance session, in one hash per breaker.
      const { state, window, sequences } = instance.breaker.target.keys;
      expect(keys.sort()).toEqual([state, window, sequences].sort());
    });

    it('given calls that all end with errors that count as nothing, then no batch is sent for them', async () => {
      const [instance] = await fleet.start(1, { minimumCalls: 5, isIgnored: isNeverSent }, { flushIntervalMs: FLUSH_INTERVAL_MS });
      const recordBatch = jest.spyOn(BreakerScripts.prototype, 'recordBatch');
      const neverSent = async (): Promise<never> => {
        throw new NeverSent('the bulkhead was full');
      };

      for (let n = 0; n < 20; n++) await instance.breaker.execute(neverSent).catch(() => undefined);
      await sleep(3 * FLUSH_INTERVAL_MS);
      await instance.breaker.flush();

      expect(recordBatch).not.toHaveBeenCalled();
      expect(instance.breaker.snapshot()).toMatchObject({ state: BreakerState.CLOSED, calls: 0 });
    });
  });

  describe('a disabled breaker', () => {
    it('given an operator disabled the breaker, when calls fail on every instance, then they all run and nothing is recorded: no call event, no batch sent', async () => {
      const instances = await fleet.start(2, { minimumCalls: 5 }, { flushIntervalMs: FLUSH_INTERVAL_MS });
      await instances[0].breaker.disable();
      await waitFor(() => everyState(instances, BreakerState.DISABLED), { description: 'every instance DISABLED' });
      const recorded: CallRecorded[] = [];
      for (const i of instances) i.breaker.onCallRecorded((r) => recorded.push(r));
      const recordBatch = jest.spyOn(BreakerScripts.prototype, 'recordBatch');
      const provider = new Downstream();

      for (const i of instances) await failCalls(i, provider, 10);
      await sleep(3 * FLUSH_INTERVAL_MS);

      expect(provider.calls).toBe(20);
      expect(recorded).toEqual([]);
      expect(recordBatch).not.toHaveBeenCalled();
      expect(everyState(instances, BreakerState.DISABLED)).toBe(true);
    });
  });
});
