// The trip rule is "trip when failures / calls reaches the threshold, with at least minimumCalls
// calls in the window", whatever call completes it. Given the same outcomes, the local breaker and
// the fleet must agree, however the fleet's outcomes fall into batches.
//
// Before, the rule was evaluated only when a failure (or slow call) was recorded: nine failures
// then one success left both breakers CLOSED when the success came in a batch of its own, and
// tripped the fleet when it shared a batch with the failures.
import { BreakerState, createLocalBreaker, type BreakerConfig } from '@breakwater/resilience';
import { Downstream, FleetInstances } from './support/fleet-instances';

const CONFIG: Partial<BreakerConfig> = { minimumCalls: 10, failureRateThreshold: 0.5, openBaseMs: 5_000, openJitter: 0 };

describe('the trip rule, evaluated whenever the window changes', () => {
  let fleet: FleetInstances;

  beforeEach(() => {
    fleet = new FleetInstances();
  });

  afterEach(async () => {
    await fleet.close();
  });

  it.each([
    { batches: 'the failures flushed before the success, which goes in a batch of its own', flushBeforeSuccess: true },
    { batches: 'no flush asked for in between', flushBeforeSuccess: false },
  ])('given nine failures then a success that brings the window to minimumCalls, with $batches, then the fleet trips, as the local breaker does', async ({ flushBeforeSuccess }) => {
    // Ticks too rare to matter: only the test's flushes and the early ones (the failure rate is
    // over the threshold, so each outcome goes at once) send anything.
    const [instance] = await fleet.start(1, CONFIG, { flushIntervalMs: 60_000 });
    const local = createLocalBreaker('provider-a', CONFIG);
    const provider = new Downstream();

    provider.behaviour = 'fail';
    for (let n = 0; n < 9; n++) {
      await instance.breaker.execute(provider.call).catch(() => undefined);
      await local.execute(provider.call).catch(() => undefined);
    }
    if (flushBeforeSuccess) await instance.breaker.flush();
    expect([instance.breaker.state, local.state]).toEqual([BreakerState.CLOSED, BreakerState.CLOSED]);
    provider.behaviour = 'succeed';
    await instance.breaker.execute(provider.call);
    await local.execute(provider.call);
    await instance.breaker.flush();
    local.dispose();

    const tripped = { reason: 'failure-rate', calls: 10, failures: 9 };
    expect(local.snapshot()).toMatchObject({ state: BreakerState.OPEN, lastTrip: tripped });
    expect(instance.breaker.snapshot()).toMatchObject({ state: BreakerState.OPEN, lastTrip: tripped });
  });
});
