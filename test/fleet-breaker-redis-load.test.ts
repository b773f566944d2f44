// What calls cost Redis. A refused call decided by the instance's view costs no round trip, a
// failing call costs no flush of its own unless it could trip the breaker, and a disabled breaker
// sends and records nothing. Script calls are counted at the one place every instance sends them.
import { BreakerOpenError, BreakerState, type BreakerConfig, type CallRecorded, type Clock } from '@breakwater/resilience';
import { BreakerScripts } from '../libs/redis-store/src/breaker-scripts';
import { Downstream, everyState, failCalls, FleetInstances } from './support/fleet-instances';
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
