// The whole gateway on Sentinel (1 master, 1 replica, 3 sentinels) (issue 11), nothing changed but the URL.
//
// Given a local Sentinel (1 master, 1 replica, 3 sentinels), when the launcher starts two gateway instances behind nginx with
// FLEET_REDIS_URL in its redis-sentinel:// form, then a payment is taken (201: the payment scripts and
// BullMQ's queues run there), and when provider A goes down payments still succeed (provider B)
// and every instance says provider-a is OPEN: the fleet tripped together.
import { FLEET_START_TIMEOUT_MS, killStartedFleets } from './support/fleet-launcher-process';
import { paymentAndFleetWideTrip } from './support/fleet-on-redis';
import { startRedisSentinel } from './support/redis-sentinel';

jest.setTimeout(FLEET_START_TIMEOUT_MS + 30_000);

afterAll(killStartedFleets);

it('a launcher fleet on Sentinel (1 master, 1 replica, 3 sentinels) takes a payment and trips a breaker fleet-wide', async () => {
  await paymentAndFleetWideTrip(startRedisSentinel);
});
