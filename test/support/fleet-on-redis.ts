// The scenario of the Cluster and Sentinel end-to-end tests (issue 11): a launcher fleet of two
// gateway instances on a Redis the test started, nothing changed but FLEET_REDIS_URL, takes a
// payment (201) and trips provider-a's breaker on every instance when provider A goes down.
import { postPayment, startFleet, withTimeout, type RunningFleet } from './fleet-launcher-process';
import { waitFor } from './wait-for';

const OUTAGE_PAYMENTS = 25;

interface BreakerView {
  name: string;
  state: string;
}

/** A Redis set-up a test started: its URL in one of the REDIS_URL forms, and its clean-up. */
export interface StartedRedis {
  readonly url: string;
  cleanup(): Promise<void>;
}

async function providerAState(instance: string): Promise<string | undefined> {
  const breakers = (await (await fetch(`${instance}/breakers`)).json()) as BreakerView[];
  return breakers.find((b) => b.name === 'provider-a')?.state;
}

async function stop(fleet: RunningFleet): Promise<void> {
  if (fleet.child.pid !== undefined && fleet.child.exitCode === null) process.kill(-fleet.child.pid, 'SIGTERM');
  await withTimeout(fleet.exited, 30_000, 'the launcher to stop');
}

export async function paymentAndFleetWideTrip(start: () => Promise<StartedRedis>): Promise<void> {
  const redis = await start();
  let fleet: RunningFleet | undefined;
  try {
    fleet = await startFleet({ FLEET_REDIS_URL: redis.url, OPERATOR_AUTH: 'off' });
    const { lb, sim, instances } = fleet.json;

    expect((await postPayment(lb)).status).toBe(201);

    await fetch(`${sim}/_faults/provider-a`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'down' }) });
    const statuses: number[] = [];
    for (let i = 0; i < OUTAGE_PAYMENTS; i++) statuses.push((await postPayment(lb)).status);
    expect(statuses.filter((s) => s !== 201)).toEqual([]);

    // OPEN, or already probing again: not CLOSED anywhere.
    await waitFor(async () => (await Promise.all(instances.map(providerAState))).every((s) => s === 'OPEN' || s === 'HALF_OPEN'), {
      timeoutMs: 2_000,
      intervalMs: 20,
      description: 'every instance to see provider-a OPEN',
    });
    expect(fleet.stderr().split('\n').filter((line) => /\bMOVED\b|CROSSSLOT|[Uu]nhandled/.test(line))).toEqual([]);
  } finally {
    if (fleet !== undefined) await stop(fleet);
    await redis.cleanup();
  }
}
