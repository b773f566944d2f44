// Issue 7, finding 1, as it was: with the launcher's readiness routing off
// (FLEET_READINESS_ROUTING=off, nginx's passive checks only), an instance cut off from Redis keeps
// its share of POST /payments through nginx, answered 503. The comparison for
// test/fleet-readiness-routing.test.ts, where the same cut takes api-2 out. A whole fleet of its
// own, so outside the default suite: npm run test:slow.
import { FLEET_START_TIMEOUT_MS, killStartedFleets, startFleet } from '../support/fleet-launcher-process';
import { cleanUp, cutApi2, fleetEnv, payments, routingOf, startApi2BehindProxy, stopFleet, waitUntilApi2Unready, type Api2BehindProxy } from '../support/readiness-routing-fleet';

let setup: Api2BehindProxy | undefined;

beforeAll(async () => {
  setup = await startApi2BehindProxy();
});

afterAll(async () => {
  killStartedFleets();
  await cleanUp(setup);
});

it(
  'without readiness routing, nginx keeps sending payments to the instance cut off from Redis, and they answer 503',
  async () => {
    if (setup === undefined) throw new Error('no Redis and proxy: beforeAll failed');
    const fleet = await startFleet(fleetEnv(setup, 'off'));
    try {
      expect(await routingOf(fleet)).toEqual({ enabled: false, noneReady: false, reloads: 0, instances: { 'api-1': { ready: true, routed: true }, 'api-2': { ready: true, routed: true } } });
      cutApi2(setup);
      await waitUntilApi2Unready(fleet);
      const answers = await payments(fleet, 12);
      expect(answers.filter((a) => a.status === 503 && a.instance === 'api-2').length).toBeGreaterThan(0);
      expect(fleet.stderr()).not.toContain('taking it out of nginx');
    } finally {
      await stopFleet(fleet);
    }
  },
  FLEET_START_TIMEOUT_MS + 40_000,
);
