// Given a fleet of two instances, when a dependency that is not a payment provider fails, then
// payments go on in a degraded mode that the answer names: the fraud rules score instead of the
// fraud service; the shared inventory cache serves stale stock (and INVENTORY_FALLBACK decides
// for a sku never seen); and a notification outage neither fails nor slows a payment, its jobs
// wait in the dead-letter queue, and an operator's replay delivers each exactly once.
import { sleep, waitFor } from '../support/wait-for';
import { breakerState, getPayment, median, pay, paymentBody, postAdmin, postPayment, queue, SimulatorClient, type PaymentAnswer } from './support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';

/** apps/payment-api/src/gateway.ts INVENTORY_FRESH_MS (not configurable): a cached level is fresh this long. */
const INVENTORY_FRESH_MS = 5_000;
const NOTIFIED_PAYMENTS = 6;

const unique = (prefix: string): string => `${prefix}${Math.random().toString(36).slice(2, 10)}`;

describe('degraded dependencies in a fleet of two instances', () => {
  const stack = new PaymentStack({ label: 'degraded', instances: 2 });
  let sim: SimulatorClient;

  beforeAll(async () => {
    await stack.start();
    sim = new SimulatorClient(stack.sim.url);
  }, STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);
  afterEach(async () => sim?.clearFaults());

  it(
    'scores with the fraud rules while the fraud service is down, and says so',
    stack.scenario(async () => {
      await sim.fault('fraud', { mode: 'down' });

      for (let i = 0; i < 4; i++) {
        const answer = await pay(stack.url(i));
        expect(answer).toMatchObject({ status: 'AUTHORIZED', provider: 'provider-a', fraud: { score: expect.any(Number), mode: 'rules' } });
        expect(answer.degraded).toContain('fraud');
        expect((await getPayment(stack.url(i + 1), answer.id)).fraud).toEqual({ score: answer.fraud.score, mode: 'rules' });
      }

      await sim.clearFaults();
      const healthy = await pay(stack.url(0));
      expect(healthy.fraud.mode).toBe('service');
    }),
  );

  describe('inventory down', () => {
    // A second, one-instance stack on the same simulator whose deployment refuses unchecked stock.
    const refusing = new PaymentStack({ label: 'inv-refuse', instances: 1, env: { INVENTORY_FALLBACK: 'refuse' }, simOf: stack });
    beforeAll(() => refusing.start(), STACK_START_TIMEOUT_MS);
    afterAll(() => refusing.stop(), STACK_STOP_TIMEOUT_MS);

    const inStock = unique('sku-');
    const soldOut = unique('oos-');

    // Both levels are read once while inventory is up (cached fleet-wide), then left to go stale.
    beforeAll(async () => {
      const first = await pay(stack.url(0), paymentBody({ items: [{ sku: inStock, qty: 1 }] }));
      const firstSoldOut = await pay(stack.url(0), paymentBody({ items: [{ sku: soldOut, qty: 1 }] }));
      if (first.status !== 'AUTHORIZED' || first.degraded.length > 0 || firstSoldOut.status !== 'DECLINED') {
        throw new Error(`warming the inventory cache: ${JSON.stringify([first, firstSoldOut])}`);
      }
      await sleep(INVENTORY_FRESH_MS + 500); // stale now, not gone (stale for 10 minutes)
    }, STACK_START_TIMEOUT_MS);

    it(
      'serves stale stock from the shared cache (degraded: inventory), and accepts a never-seen sku by default',
      stack.scenario(async () => {
        await sim.fault('inventory', { mode: 'down' });

        // Through the other instance: the cache is the fleet's.
        const stale = await pay(stack.url(1), paymentBody({ items: [{ sku: inStock, qty: 1 }] }));
        expect(stale).toMatchObject({ status: 'AUTHORIZED', provider: 'provider-a' });
        expect(stale.degraded).toContain('inventory');

        // Never seen, nothing cached: INVENTORY_FALLBACK=accept (the default) lets it through.
        const unchecked = await pay(stack.url(0), paymentBody({ items: [{ sku: unique('new-'), qty: 1 }] }));
        expect(unchecked).toMatchObject({ status: 'AUTHORIZED', provider: 'provider-a' });
        expect(unchecked.degraded).toContain('inventory');
      }),
    );

    it(
      'declines a sold-out sku on its stale level (not the accept fallback), and says degraded: inventory',
      stack.scenario(async () => {
        await sim.fault('inventory', { mode: 'down' });

        const staleSoldOut = await pay(stack.url(1), paymentBody({ items: [{ sku: soldOut, qty: 1 }] }));

        // The stale level (0) decides, not INVENTORY_FALLBACK=accept: the sku stays sold out.
        expect(staleSoldOut.status).toBe('DECLINED');
        expect(staleSoldOut.declineReason).toBe(`out of stock: ${soldOut}`);
        // The decline rests on stale data, so the answer must say so.
        expect(staleSoldOut.degraded).toContain('inventory');
      }),
    );

    it(
      'refuses a never-seen sku with 503 and Retry-After when INVENTORY_FALLBACK=refuse, charging nothing',
      refusing.scenario(async () => {
        await sim.fault('inventory', { mode: 'down' });
        const refused = await postPayment(refusing.url(0), paymentBody({ items: [{ sku: unique('new-'), qty: 1 }] }));

        expect(refused.status).toBe(503);
        expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
        const id = refused.body.id ?? '';
        expect((await getPayment(refusing.url(0), id)).status).toBe('FAILED');
        expect(await sim.chargesOf([id])).toEqual(new Map([[id, []]]));
      }),
    );
  });

  it(
    'keeps payments fast while notify-email is down, dead-letters the emails, and a replay delivers each exactly once',
    stack.scenario(async () => {
      // One address per payment: twelve emails to one address would meet the per-destination rate limit.
      let buyers = 0;
      const notified = (): ReturnType<typeof paymentBody> => paymentBody({ notify: { email: `buyer-${++buyers}@example.com` } });
      const baseline: number[] = [];
      const before: string[] = [];
      for (let i = 0; i < NOTIFIED_PAYMENTS; i++) {
        const answer = await pay(stack.url(i), notified());
        baseline.push(answer.ms);
        before.push(`${answer.id}-email`);
      }
      // Their emails go out before the outage, so that only the outage's jobs can reach the dead-letter queue.
      await waitFor(async () => {
        const delivered = (await sim.deliveries('notify-email')).map((d) => d.idempotencyKey);
        return before.every((k) => delivered.includes(k));
      }, { timeoutMs: 5_000, intervalMs: 100, description: 'the baseline emails delivered' });

      await sim.fault('notify-email', { mode: 'down' });
      const answers: (PaymentAnswer & { ms: number })[] = [];
      for (let i = 0; i < NOTIFIED_PAYMENTS; i++) answers.push(await pay(stack.url(i), notified()));

      expect(answers.every((a) => a.status === 'AUTHORIZED')).toBe(true);
      // "Not slower than 2x the baseline" (a little absolute slack: the baseline is tens of ms).
      expect(median(answers.map((a) => a.ms))).toBeLessThanOrEqual(2 * median(baseline) + 20);

      // Six runs each with backoff (1 s base, 15 s cap), then the dead-letter queue.
      await waitFor(
        async () => {
          const q = await queue(stack.url(0), 'notify-email');
          return q.deadLetter === NOTIFIED_PAYMENTS && q.waiting + q.active + q.delayed === 0;
        },
        { timeoutMs: 60_000, intervalMs: 500, description: `all ${NOTIFIED_PAYMENTS} notify-email jobs in the dead-letter queue` },
      );
      const keys = answers.map((a) => `${a.id}-email`);
      const deliveredNow = await sim.deliveries('notify-email');
      expect(deliveredNow.filter((d) => keys.includes(d.idempotencyKey))).toEqual([]);

      await sim.clearFaults();
      expect((await postAdmin(stack.url(1), '/queues/notify-email/dead-letter/replay')).status).toBe(401);
      const replay = await postAdmin<{ queue: string; replayed: number }>(stack.url(1), '/queues/notify-email/dead-letter/replay', stack.adminToken);
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual({ queue: 'notify-email', replayed: NOTIFIED_PAYMENTS });

      // What the fleet does meanwhile, one line a second, for the failure message.
      const timeline: string[] = [];
      const replayedAt = performance.now();
      const deliveredOnce = async (): Promise<boolean> => {
        const delivered = (await sim.deliveries('notify-email')).map((d) => d.idempotencyKey);
        const done = keys.filter((k) => delivered.includes(k)).length;
        if (timeline.length === 0 || performance.now() - replayedAt > timeline.length * 1_000) {
          const q = await queue(stack.url(0), 'notify-email');
          const states = await Promise.all(stack.urls.map((u) => breakerState(u, 'notify-email')));
          const requests = await sim.requests('notify-email');
          timeline.push(`+${Math.round(performance.now() - replayedAt)} ms: delivered ${done}/${keys.length}, queue ${JSON.stringify(q)}, breaker ${states.join('/')}, sim requests ${requests}`);
        }
        return keys.every((k) => delivered.filter((d) => d === k).length === 1);
      };
      try {
        await waitFor(deliveredOnce, { timeoutMs: 45_000, intervalMs: 250, description: 'each replayed email delivered' });
      } catch (error) {
        throw new Error(`${String(error)}\n${timeline.join('\n')}`);
      }
      await sleep(1_000);
      const delivered = (await sim.deliveries('notify-email')).map((d) => d.idempotencyKey);
      expect(keys.map((k) => delivered.filter((d) => d === k).length)).toEqual(keys.map(() => 1));
      expect((await queue(stack.url(0), 'notify-email')).deadLetter).toBe(0);
      const again = await postAdmin<{ replayed: number }>(stack.url(0), '/queues/notify-email/dead-letter/replay', stack.adminToken);
      expect(again.body.replayed).toBe(0);
    }),
    150_000,
  );
});
