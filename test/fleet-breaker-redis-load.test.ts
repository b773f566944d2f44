// What calls cost Redis. A refused call decided by the instance's view costs no round trip, a
// failing call costs no flush of its own unless it could trip the breaker, and a disabled breaker
// sends and records nothing. Script calls are counted at the one place every instance sends them.
import { BreakerState, type CallRecorded } from '@breakwater/resilience';
import { BreakerScripts } from '../libs/redis-store/src/breaker-scripts';
import { Downstream, everyState, failCalls, FleetInstances } from './support/fleet-instances';
import { sleep, waitFor } from './support/wait-for';

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
