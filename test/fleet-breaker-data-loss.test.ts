// Redis loses the fleet's data (a restart without persistence, a failover to an empty replica,
// FLUSHALL) and the state starts again from CLOSED at version 0, below every instance's view.
// Each state hash carries an incarnation id, made when the hash is created: a view that sees
// another incarnation takes it at once, from any reply or message.
//
// Before, a view ignored every lower version except from two periodic re-reads in a row, and
// meanwhile every batch it sent, tagged with its old version, was dropped: with a re-read once a
// minute the fleet below could not trip for up to two minutes, whatever the downstream did.
import { BreakerState } from '@breakwater/resilience';
import { Downstream, FleetInstances, type Instance } from './support/fleet-instances';
import { startRedisServer, type RedisServerHandle } from './support/redis-server';
import { waitFor } from './support/wait-for';

const CONFIG = { minimumCalls: 5, openBaseMs: 5_000, openJitter: 0 };
/**
 * These tests are about lost data, not slow Redis: patient timeouts keep a busy machine (a
 * command over the default 250 ms) from sending an instance into local mode mid-test.
 */
const PATIENT = { commandTimeoutMs: 2_000 };
const PATIENT_CONNECTION = { commandTimeout: 2_000 };

const everyView = (instances: readonly Instance[], state: BreakerState, version: number): boolean =>
  instances.every((i) => i.breaker.state === state && i.breaker.snapshot().version === version);

describe('fleet breakers after Redis lost their data', () => {
  let server: RedisServerHandle | undefined;
  let fleet: FleetInstances | undefined;

  afterEach(async () => {
    await fleet?.close();
    await server?.cleanup();
    fleet = server = undefined;
  });

  it('given a fleet CLOSED at version 4 and no periodic re-read, when Redis loses its data and the provider dies, then the fleet trips at once, and an idle instance follows from the transition message', async () => {
    server = await startRedisServer();
    fleet = new FleetInstances(server.url);
    const [busy, idle] = await fleet.start(2, CONFIG, { syncIntervalMs: 60_000, ...PATIENT }, PATIENT_CONNECTION);
    for (let n = 0; n < 2; n++) {
      await busy.breaker.forceOpen();
      await busy.breaker.reset();
    }
    await waitFor(() => everyView([busy, idle], BreakerState.CLOSED, 4), { description: 'every instance CLOSED at version 4' });

    await fleet.connection().flushall(); // Redis now says CLOSED at version 0, and the views do not know
    const provider = new Downstream();
    provider.behaviour = 'fail';
    await waitFor(
      async () => {
        await busy.breaker.execute(provider.call).catch(() => undefined);
        return busy.breaker.state === BreakerState.OPEN;
      },
      { timeoutMs: 2_000, intervalMs: 5, description: 'the busy instance OPEN' },
    );

    expect(busy.breaker.snapshot()).toMatchObject({ state: BreakerState.OPEN, version: 1, mode: 'fleet', reason: 'failure-rate' });
    await waitFor(() => everyView([busy, idle], BreakerState.OPEN, 1), { timeoutMs: 500, description: 'the idle instance OPEN at version 1' });
    expect(provider.calls).toBeLessThanOrEqual(CONFIG.minimumCalls + 2);
  });
});
