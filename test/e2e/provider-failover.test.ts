// Given a fleet of three payment-api processes, when provider-a goes down (it answers
// 503 {"processed": false} at once), then payments go to provider-b and none is charged twice;
// after a few failures provider-a's breaker is OPEN on every instance and provider-a gets no more
// requests. When every provider is down, a payment is a 503 with Retry-After, recorded FAILED,
// and its key is given back so the client's retry is a new attempt.
//
// provider-a's breaker stays open for a minute here (a private downstreams file), so "no more
// requests" is not blurred by half-open probes.
import { waitFor } from '../support/wait-for';
import { breakers, breakerState, getPayment, newKey, pay, paymentBody, postPayment, SimulatorClient, type PaymentAnswer } from './support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';

const INSTANCES = 3;
const MINIMUM_CALLS = 5; // TEST_ENV: DOWNSTREAM_PROVIDER_*_BREAKER_MINIMUM_CALLS
const PROVIDER_ATTEMPTS = 3; // downstreams.json defaults.retry.maxAttempts

describe('provider failover in a fleet of three instances', () => {
  const stack = new PaymentStack({
    label: 'failover',
    instances: INSTANCES,
    downstreams: { 'provider-a': { breaker: { openBaseMs: 60_000, openMaxMs: 60_000, openJitter: 0 } } },
  });
  let sim: SimulatorClient;

  beforeAll(async () => {
    await stack.start();
    sim = new SimulatorClient(stack.sim.url);
  }, STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);

  it(
    'sends payments to provider-b while provider-a is down, charges none twice, and the whole fleet stops calling provider-a',
    stack.scenario(async () => {
      // Provider-a works: a payment on each instance goes there.
      for (let i = 0; i < INSTANCES; i++) expect((await pay(stack.url(i))).provider).toBe('provider-a');

      await sim.fault('provider-a', { mode: 'down' });
      const before = await sim.requests('provider-a');
      const answers: PaymentAnswer[] = [];
      for (let i = 0; i < 12; i++) answers.push(await pay(stack.url(i)));

      for (const answer of answers) {
        expect(answer).toMatchObject({ status: 'AUTHORIZED', provider: 'provider-b' });
        expect(answer.degraded).toContain('provider-a');
      }
      // No double charge: each payment id at most once in the whole ledger, never at provider-a.
      const charges = await sim.chargesOf(answers.map((a) => a.id));
      for (const [id, providers] of charges) expect({ id, providers }).toEqual({ id, providers: ['provider-b'] });

      // Every instance sees provider-a's breaker OPEN.
      await waitFor(async () => (await Promise.all(stack.urls.map((u) => breakerState(u, 'provider-a')))).every((s) => s === 'OPEN'), {
        timeoutMs: 3_000,
        intervalMs: 100,
        description: 'provider-a OPEN on every instance',
      });
      // architecture.md section 7: the fleet sends about minimumCalls + N calls to a dead downstream, not N x minimumCalls.
      const sentWhileDown = (await sim.requests('provider-a')) - before;
      expect(sentWhileDown).toBeGreaterThan(0);
      expect(sentWhileDown).toBeLessThanOrEqual(MINIMUM_CALLS + INSTANCES * PROVIDER_ATTEMPTS);

      // From now on provider-a receives nothing, however many payments arrive.
      const settled = await sim.requests('provider-a');
      const more = await Promise.all(Array.from({ length: 9 }, (_, i) => pay(stack.url(i))));
      expect(more.every((a) => a.provider === 'provider-b')).toBe(true);
      expect(await sim.requests('provider-a')).toBe(settled);
      for (const url of stack.urls) expect((await breakers(url)).find((b) => b.name === 'provider-a')?.state).toBe('OPEN');

      const all = await sim.chargesOf([...answers, ...more].map((a) => a.id));
      expect([...all.values()].every((p) => p.length === 1 && p[0] === 'provider-b')).toBe(true);
    }),
  );

  it(
    'answers 503 with Retry-After when no provider is usable, records the payment FAILED, charges nothing, and gives the key back',
    stack.scenario(async () => {
      await sim.fault('provider-a', { mode: 'down' });
      await sim.fault('provider-b', { mode: 'down' });
      await sim.fault('provider-c', { mode: 'down' });
      const key = newKey();
      const body = paymentBody();

      const refused = await postPayment(stack.url(0), body, { key });

      expect(refused.status).toBe(503);
      const retryAfter = refused.headers.get('retry-after');
      expect(retryAfter).toMatch(/^\d+$/);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(typeof refused.body.id).toBe('string');
      const id = refused.body.id ?? '';
      for (const url of stack.urls) {
        const record = await getPayment(url, id);
        expect(record.status).toBe('FAILED');
        expect(record.history.map((h) => h.status)).toEqual(['RECEIVED', 'FAILED']);
      }
      expect(await sim.chargesOf([id])).toEqual(new Map([[id, []]]));

      // provider-b and -c come back (provider-a's breaker is still open): the same key is a new attempt.
      await sim.clearFaults();
      const retried = await postPayment(stack.url(1), body, { key });
      expect(retried.status).toBe(201);
      expect(retried.body).toMatchObject({ status: 'AUTHORIZED', provider: 'provider-b' });
      expect(retried.body.id).not.toBe(id);
      expect(await sim.chargesOf([id, retried.body.id])).toEqual(
        new Map([
          [id, []],
          [retried.body.id, ['provider-b']],
        ]),
      );
    }),
  );
});
