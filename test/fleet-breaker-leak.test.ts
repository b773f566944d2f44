// How many calls a dead downstream still gets from a fleet before every instance rejects.
//
// Given three instances and twenty concurrent callers spread over them (as the load balancer
// spreads payments), when the provider is dead, the provider should see about minimumCalls calls
// plus what is already in flight when the fleet trips. Before, an instance flushed early only when
// its own failures, with the fleet window it last heard of, met the trip rule, which with several
// instances sharing the failures never happened: the fleet learned of them on the 50 ms ticks, and
// the provider got about twice minimumCalls.
//
// The gateway's retry of a "not processed" answer adds calls of its own; asking the breaker before
// each retry is the payment API's part (apps/payment-api), not measured here.
import { BreakerOpenError, BreakerState, type BreakerConfig } from '@breakwater/resilience';
import { everyState, FleetInstances, ProviderDown, type Instance } from './support/fleet-instances';
import { sleep } from './support/wait-for';

const INSTANCES = 3;
const CALLERS = 20;
const PROVIDER_LATENCY_MS = 2;
const CONFIG: Partial<BreakerConfig> = { minimumCalls: 20, failureRateThreshold: 0.5, openBaseMs: 5_000, openJitter: 0 };
const RUNS = 5;

/** A dead provider that answers its 503 after a short network delay. */
class DeadProvider {
  calls = 0;

  readonly call = async (): Promise<never> => {
    this.calls++;
    await sleep(PROVIDER_LATENCY_MS);
    throw new ProviderDown('503 {"processed": false}');
  };
}

/** Every caller calls its instance in a loop until every instance is OPEN; resolves with the provider's calls. */
async function leakOnce(instances: readonly Instance[]): Promise<{ calls: number; unexpected: unknown[] }> {
  const provider = new DeadProvider();
  const unexpected: unknown[] = [];
  const callers = Array.from({ length: CALLERS }, async (_, n) => {
    const instance = instances[n % instances.length];
    while (!everyState(instances, BreakerState.OPEN)) {
      try {
        await instance.breaker.execute(provider.call);
      } catch (error) {
        if (error instanceof BreakerOpenError) await sleep(1);
        else if (!(error instanceof ProviderDown)) unexpected.push(error);
      }
    }
  });
  await Promise.all(callers);
  return { calls: provider.calls, unexpected };
}

describe('calls leaked to a dead downstream', () => {
  it(`given ${INSTANCES} instances and ${CALLERS} concurrent callers, when the provider is dead, then it gets about minimumCalls calls plus those in flight, not twice minimumCalls`, async () => {
    const leaks: number[] = [];
    // The first run also loads the scripts into Redis (one NOSCRIPT round trip each): printed, not judged.
    for (let run = 0; run <= RUNS; run++) {
      const fleet = new FleetInstances();
      try {
        const instances = await fleet.start(INSTANCES, CONFIG);
        const { calls, unexpected } = await leakOnce(instances);
        expect(unexpected).toEqual([]);
        leaks.push(calls);
      } finally {
        await fleet.close();
      }
    }
    const [cold, ...warm] = leaks;
    const minimumCalls = CONFIG.minimumCalls ?? 0;
    const median = [...warm].sort((a, b) => a - b)[Math.floor(warm.length / 2)];
    console.log(
      `calls a dead provider got before every instance rejected (${INSTANCES} instances, ${CALLERS} callers that call again as soon as a call fails, minimumCalls ${minimumCalls}): ` +
        `${warm.join(', ')} (median ${median}; ${cold} on the first run, scripts not yet loaded). ` +
        `The callers' first ${CALLERS} calls fail together and they call again at once, so the second round is sent while the failures are on their way to Redis: ${minimumCalls + CALLERS} is the floor of this scenario.`,
    );
    for (const calls of leaks) expect(calls).toBeGreaterThanOrEqual(minimumCalls);
    // Typically minimumCalls and the round in flight when the fleet trips (40 to 48 on an idle
    // machine); on a busy one (the whole suite beside CI's idle fleet, other work sharing two
    // cores) the failures take longer to reach Redis and a third round slips out, part of a
    // fourth now and then (CI: 60 to 80, median 60 to 70). Before the fix every run sent four
    // rounds or more (77 to 96), so the median alone tells the two apart; a single run's count
    // is the machine's scheduling as much as the fleet's, and is printed, not judged.
    expect(median).toBeLessThanOrEqual(3 * minimumCalls + CALLERS / 2);
  });
});
