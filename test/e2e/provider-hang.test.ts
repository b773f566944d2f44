// Given a fleet of two instances, when provider-a hangs (it accepts each charge, charges half of
// them, and never answers), then no payment is lost or charged twice: each is either AUTHORIZED by
// provider-b (provider-a's breaker refused it: certainly not charged there) or PENDING_REVIEW at
// provider-a (timed out after sending: ambiguous, so no second provider is tried). When
// provider-a heals, the reconcile job settles every PENDING_REVIEW payment by asking provider-a:
// AUTHORIZED if its ledger has the charge, FAILED if not.
import { sleep, waitFor } from '../support/wait-for';
import { breakerState, getPayment, pay, queue, SimulatorClient, type PaymentAnswer, type PaymentRecord } from './support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';

const PAYMENTS = 12;
/** The target for reconciliation once provider-a answers again. */
const SETTLE_TARGET_MS = 20_000;
/** How long provider-a keeps hanging after the payments. */
const HANG_HELD_MS = 6_000;
const HEALED_CLOSED_MS = 10_000;

describe('provider-a hangs', () => {
  const stack = new PaymentStack({
    label: 'hang',
    instances: 2,
    env: { DOWNSTREAM_PROVIDER_A_TIMEOUT_MS: '500' },
  });
  let sim: SimulatorClient;

  beforeAll(async () => {
    await stack.start();
    sim = new SimulatorClient(stack.sim.url);
  }, STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);

  it(
    'loses no payment and charges none twice; once provider-a answers, reconciliation settles every PENDING_REVIEW payment by its ledger',
    stack.scenario(async () => {
      await sim.fault('provider-a', { mode: 'hang' });

      const answers: PaymentAnswer[] = [];
      for (let i = 0; i < PAYMENTS; i += 2) answers.push(...(await Promise.all([pay(stack.url(i)), pay(stack.url(i + 1))])));

      const pending = answers.filter((a) => a.status === 'PENDING_REVIEW');
      for (const answer of answers) {
        const outcome = `${answer.status} by ${answer.provider}`;
        expect(['AUTHORIZED by provider-b', 'PENDING_REVIEW by provider-a']).toContain(outcome);
      }
      expect(pending.length).toBeGreaterThan(0); // the ambiguous case did happen

      // Nothing charged twice, and no PENDING_REVIEW payment was charged anywhere but (maybe) provider-a.
      const during = await sim.chargesOf(answers.map((a) => a.id));
      for (const answer of answers) {
        const providers = during.get(answer.id) ?? [];
        if (answer.status === 'AUTHORIZED') expect({ id: answer.id, providers }).toEqual({ id: answer.id, providers: ['provider-b'] });
        else expect(providers.filter((p) => p !== 'provider-a')).toEqual([]);
      }

      // Provider-a stays hung a while: reconcile runs fail, its breaker reopens with longer intervals.
      await sleep(HANG_HELD_MS);
      expect((await getPayment(stack.url(1), pending[0]?.id ?? '')).status).toBe('PENDING_REVIEW');

      await sim.clearFaults();
      const healedAt = performance.now();
      const settled = new Map<string, PaymentRecord>();
      await waitFor(
        async () => {
          for (const p of pending) {
            if (settled.has(p.id)) continue;
            const record = await getPayment(stack.url(0), p.id);
            if (record.status !== 'PENDING_REVIEW') settled.set(p.id, record);
          }
          return settled.size === pending.length;
        },
        { timeoutMs: 45_000, intervalMs: 250, description: `all ${pending.length} PENDING_REVIEW payments settled` },
      );
      const settleMs = performance.now() - healedAt;
      // architecture.md section 7: after a downstream heals, the fleet is CLOSED within 10 s (the reconcile
      // queries were its probes); new payments go to provider-a again.
      await waitFor(async () => (await Promise.all(stack.urls.map((u) => breakerState(u, 'provider-a')))).every((st) => st === 'CLOSED'), {
        timeoutMs: Math.max(0, HEALED_CLOSED_MS - (performance.now() - healedAt)),
        intervalMs: 100,
        description: `provider-a CLOSED on every instance within ${HEALED_CLOSED_MS} ms of healing`,
      });
      expect((await pay(stack.url(0))).provider).toBe('provider-a');

      const after = await sim.chargesOf(answers.map((a) => a.id));
      for (const p of pending) {
        const charged = (after.get(p.id) ?? []).includes('provider-a');
        const record = settled.get(p.id);
        expect({ id: p.id, charged, status: record?.status }).toEqual({ id: p.id, charged, status: charged ? 'AUTHORIZED' : 'FAILED' });
        expect(record?.history.map((h) => h.status)).toEqual(['RECEIVED', 'PENDING_REVIEW', charged ? 'AUTHORIZED' : 'FAILED']);
        expect(record?.history.at(-1)?.reason).toBe(charged ? 'reconciled: charged' : 'reconciled: never charged');
      }
      // No payment in two providers' ledgers, none charged twice anywhere.
      for (const [id, providers] of after) expect({ id, providers: providers.length <= 1 }).toEqual({ id, providers: true });
      // Nothing is left RECEIVED or PENDING_REVIEW, on any instance.
      for (const url of stack.urls) {
        for (const a of answers) expect(['AUTHORIZED', 'FAILED']).toContain((await getPayment(url, a.id)).status);
      }
      expect((await queue(stack.url(1), 'payment-reconcile')).deadLetter).toBe(0);

      expect(settleMs).toBeLessThanOrEqual(SETTLE_TARGET_MS);
    }),
    90_000,
  );
});
