// Given a fleet of two instances through the launcher, api-2 reaching Redis only through a TCP
// fault proxy (FLEET_INSTANCE_HOOK gives it its own REDIS_URL), when that proxy refuses api-2
// every connection (Redis unreachable from api-2 alone), then api-2's GET /health/ready answers
// 503 and it cannot record payments (issue 7, finding 1), and the launcher's readiness routing
// takes api-2 out of nginx's upstream, says so and writes it in routing.json; from then on every
// payment through nginx is 201, and once api-2 reaches Redis again it is put back and answers
// payments again. With Redis then down for both, neither is taken out: a payment is an instance's
// own 503 with Retry-After. Without readiness routing the same cut leaves api-2's payments
// answered 503 through nginx: test/slow/fleet-readiness-routing-off.slow.ts (npm run test:slow).
// Needs nginx and redis-server (scripts/setup.sh installs both); starts its own redis-server.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ROUTING_STATUS_FILE_NAME } from '../scripts/fleet/routing-status';
import { FLEET_START_TIMEOUT_MS, killStartedFleets, PAYMENT, startFleet } from './support/fleet-launcher-process';
import { cleanUp, cutApi2, fleetEnv, payments, routingOf, startApi2BehindProxy, statusOf, stopFleet, waitUntilApi2Unready, type Api2BehindProxy } from './support/readiness-routing-fleet';
import { waitFor } from './support/wait-for';

const PAYMENTS = 12;

let setup: Api2BehindProxy | undefined;

beforeAll(async () => {
  setup = await startApi2BehindProxy();
});

afterAll(async () => {
  killStartedFleets();
  await cleanUp(setup);
});

it(
  'takes the instance cut off from Redis out of nginx (every payment 201), puts it back once it reaches Redis again, and with Redis down for all takes none out',
  async () => {
    if (setup === undefined) throw new Error('no Redis and proxy: beforeAll failed');
    const { redis, proxy } = setup;
    const fleet = await startFleet(fleetEnv(setup, 'on'));
    try {
      expect(fleet.json.routingFile).toBe(join(fleet.json.dir, ROUTING_STATUS_FILE_NAME));
      cutApi2(setup);
      await waitUntilApi2Unready(fleet);
      const out = /^\[fleet\] nginx reloaded: routing to api-1; out \(not ready\): api-2$/m;
      await waitFor(() => out.test(fleet.stderr()), { timeoutMs: 15_000, intervalMs: 100, description: `the line ${out.source}` });
      expect(fleet.stderr()).toMatch(/^\[fleet\] api-2 not ready \(3 failed readiness checks in a row, last: HTTP 503\): taking it out of nginx$/m);
      expect(await routingOf(fleet)).toEqual({ enabled: true, noneReady: false, reloads: 1, instances: { 'api-1': { ready: true, routed: true }, 'api-2': { ready: false, routed: false } } });

      const during = await payments(fleet, PAYMENTS);
      expect(during).toEqual(Array.from({ length: PAYMENTS }, () => ({ status: 201, instance: 'api-1' })));
      // api-2 itself still cannot record a payment: the 201s above are nginx's doing.
      expect(await statusOf(`${fleet.json.instances[1] ?? ''}/health/ready`)).toBe(503);

      proxy.heal();
      const back = /^\[fleet\] nginx reloaded: routing to api-1, api-2$/m;
      await waitFor(() => back.test(fleet.stderr()), { timeoutMs: 20_000, intervalMs: 100, description: `the line ${back.source}` });
      expect(fleet.stderr()).toMatch(/^\[fleet\] api-2 ready again \(2 good readiness checks in a row\): putting it back into nginx$/m);
      expect(await routingOf(fleet)).toEqual({ enabled: true, noneReady: false, reloads: 2, instances: { 'api-1': { ready: true, routed: true }, 'api-2': { ready: true, routed: true } } });
      const after = await payments(fleet, PAYMENTS);
      expect(after.every((a) => a.status === 201)).toBe(true);
      expect(after.some((a) => a.instance === 'api-2')).toBe(true);

      // Redis down for every instance: none is ready, and none is taken out, so each payment is
      // an instance's own 503 with Retry-After, never nginx's answer for "no instance".
      await redis.kill();
      await waitFor(async () => (await routingOf(fleet)).noneReady, { timeoutMs: 20_000, intervalMs: 100, description: 'routing.json to say no instance is ready' });
      await waitFor(async () => Object.values((await routingOf(fleet)).instances).every((i) => i.routed && !i.ready), { timeoutMs: 10_000, intervalMs: 100, description: 'routing.json: both instances routed and not ready' });
      expect(fleet.stderr()).toMatch(/^\[fleet\] no instance is ready: nginx keeps routing to all of them$/m);
      const refused = await fetch(`${fleet.json.lb}/payments`, { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': randomUUID() }, body: JSON.stringify(PAYMENT) });
      const body = (await refused.json()) as { message?: unknown };
      expect({ status: refused.status, fromInstance: refused.headers.get('x-instance-id') !== null, retryAfter: refused.headers.get('retry-after') !== null }).toEqual({ status: 503, fromInstance: true, retryAfter: true });
      expect(body.message).not.toBe('no payment-api instance answered');

      await redis.restart();
      await waitFor(async () => {
        const state = await routingOf(fleet);
        return !state.noneReady && Object.values(state.instances).every((i) => i.routed && i.ready);
      }, { timeoutMs: 20_000, intervalMs: 100, description: 'routing.json: both instances ready and routed again' });
    } finally {
      proxy.heal();
      await stopFleet(fleet);
    }
  },
  FLEET_START_TIMEOUT_MS + 60_000,
);
