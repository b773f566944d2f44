// Given a fleet of two instances, when an operator forces provider-a's breaker open on one
// instance, then every instance sees FORCED_OPEN, reports DEGRADED, and sends payments to
// provider-b; a reset closes it fleet-wide. With all three providers forced open the fleet is
// CRITICAL: payments are 503 with Retry-After and recorded FAILED, and instances report not-ready.
import { waitFor } from '../support/wait-for';
import { breakerState, degradation, getJson, getPayment, newKey, pay, paymentBody, postAdmin, postPayment, PROVIDERS, SimulatorClient, type BreakerView } from './support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';

describe('operator overrides on a fleet of two instances', () => {
  const stack = new PaymentStack({ label: 'admin', instances: 2 });
  let sim: SimulatorClient;

  beforeAll(async () => {
    await stack.start();
    sim = new SimulatorClient(stack.sim.url);
  }, STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);

  /** Waits until every instance sees each named breaker in `state`. */
  async function fleetSees(names: readonly string[], state: string): Promise<void> {
    await waitFor(async () => (await Promise.all(stack.urls.flatMap((u) => names.map((n) => breakerState(u, n))))).every((s) => s === state), {
      timeoutMs: 3_000,
      intervalMs: 50,
      description: `${names.join(', ')} ${state} on every instance`,
    });
  }

  it(
    'refuses overrides without the admin token (401) and leaves the breaker alone',
    stack.scenario(async () => {
      expect((await postAdmin(stack.url(0), '/breakers/provider-a/force-open')).status).toBe(401);
      expect((await postAdmin(stack.url(0), '/breakers/provider-a/force-open', 'wrong-token')).status).toBe(401);
      expect((await postAdmin(stack.url(1), '/breakers/provider-a/reset', `${stack.adminToken}x`)).status).toBe(401);
      for (const url of stack.urls) expect(await breakerState(url, 'provider-a')).toBe('CLOSED');
      expect((await postAdmin(stack.url(0), '/breakers/no-such-breaker/force-open', stack.adminToken)).status).toBe(404);
    }),
  );

  it(
    'forces provider-a open fleet-wide: DEGRADED everywhere, payments skip it; a reset closes it everywhere',
    stack.scenario(async () => {
      const forced = await postAdmin<BreakerView>(stack.url(0), '/breakers/provider-a/force-open', stack.adminToken);
      expect(forced.status).toBe(200);
      expect(forced.body).toMatchObject({ name: 'provider-a', state: 'FORCED_OPEN' });
      await fleetSees(['provider-a'], 'FORCED_OPEN');

      for (const url of stack.urls) expect(await degradation(url)).toEqual({ level: 'DEGRADED', degraded: ['provider-a'], mode: 'fleet' });
      const before = await sim.requests('provider-a');
      for (let i = 0; i < 4; i++) {
        const answer = await pay(stack.url(i));
        expect(answer).toMatchObject({ status: 'AUTHORIZED', provider: 'provider-b', degradation: 'DEGRADED' });
        expect(answer.degraded).toContain('provider-a');
      }
      expect(await sim.requests('provider-a')).toBe(before);

      const reset = await postAdmin<BreakerView>(stack.url(1), '/breakers/provider-a/reset', stack.adminToken);
      expect(reset.status).toBe(200);
      await fleetSees(['provider-a'], 'CLOSED');
      for (const url of stack.urls) expect((await degradation(url)).level).toBe('NORMAL');
      expect(await pay(stack.url(0))).toMatchObject({ status: 'AUTHORIZED', provider: 'provider-a', degraded: [] });
    }),
  );

  it(
    'is CRITICAL with every provider forced open: 503 with Retry-After, the payment FAILED and uncharged, instances not ready; a reset restores it',
    stack.scenario(async () => {
      for (const p of PROVIDERS) expect((await postAdmin(stack.url(0), `/breakers/${p}/force-open`, stack.adminToken)).status).toBe(200);
      await fleetSees(PROVIDERS, 'FORCED_OPEN');
      for (const url of stack.urls) {
        const view = await degradation(url);
        expect(view.level).toBe('CRITICAL');
        expect(view.degraded).toEqual(expect.arrayContaining([...PROVIDERS]));
        expect((await getJson(`${url}/health/ready`)).status).toBe(503);
      }

      const key = newKey();
      const body = paymentBody();
      const before = await sim.stats();
      const refused = await postPayment(stack.url(1), body, { key });

      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      const id = refused.body.id ?? '';
      expect((await getPayment(stack.url(0), id)).status).toBe('FAILED');
      expect(await sim.chargesOf([id])).toEqual(new Map([[id, []]]));
      const after = await sim.stats();
      for (const p of PROVIDERS) expect(after[p].requests).toBe(before[p].requests);

      for (const p of PROVIDERS) expect((await postAdmin(stack.url(1), `/breakers/${p}/reset`, stack.adminToken)).status).toBe(200);
      await fleetSees(PROVIDERS, 'CLOSED');
      for (const url of stack.urls) {
        expect((await degradation(url)).level).toBe('NORMAL');
        expect((await getJson(`${url}/health/ready`)).status).toBe(200);
      }
      // The 503 gave the key back: the client's retry is a new, successful attempt.
      const retried = await postPayment(stack.url(0), body, { key });
      expect(retried.status).toBe(201);
      expect(retried.body).toMatchObject({ status: 'AUTHORIZED', provider: 'provider-a' });
    }),
  );
});
