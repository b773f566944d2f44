// A request that dies after claiming its Idempotency-Key (SIGKILL, Redis failing under it) no
// longer leaves the key pending for 24 h: the claim holds a lease, each provider attempt is on the
// payment record before it is sent, and the next request with the key after the lease recovers
// the payment from its record (docs/payment-gateway.md, "Recovery of a dead request"):
//   no record                      -> processed anew under the same payment id;
//   RECEIVED, no attempt           -> FAILED ('abandoned before charge'), a fresh payment;
//   RECEIVED, attempts             -> PENDING_REVIEW with the last attempted provider, reconciled;
//   AUTHORIZED / DECLINED / PENDING_REVIEW, key still pending -> the answer rebuilt, replayed (200).
// Never a second charge: the simulator's ledger is checked for every payment.
//
// Part one builds a Gateway in this process (as test/jobs does) and leaves claims behind by
// calling IdempotencyKeys.claim and the PaymentStore directly; part two SIGKILLs a real instance
// while provider-a is answering its charge.
import { randomUUID } from 'node:crypto';
import { IdempotencyKeys } from '../../apps/payment-api/src/payments/idempotency-keys';
import type { PaymentAnswer, PaymentRequest } from '../../apps/payment-api/src/payments/payment';
import type { FlowResult } from '../../apps/payment-api/src/payments/payment-flow';
import type { ChargeOutcome } from '../../apps/payment-api/src/providers/provider-charge';
import { bodyHash, idempotencyKey, paymentKeys } from '../../apps/payment-api/src/payments/payment-keys';
import { auditLines, createWorld, deliveries, startInstance, type JobsInstance, type World } from '../jobs/support/jobs-harness';
import { sleep, waitFor } from '../support/wait-for';
import { getPayment, newKey, paymentBody, postPayment, SimulatorClient, type ProviderName } from './support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';

jest.setTimeout(60_000);

/** The lease of the claims the tests leave behind: short, so recovery starts soon. */
const LEASE_MS = 300;
/** The flow's deadline in part one. */
const DEADLINE_MS = 1_000;
/** The flow's own lease in part one: the shortest allowed, twice the deadline. */
const FLOW_LEASE_MS = 2 * DEADLINE_MS;

function request(overrides: Partial<PaymentRequest> = {}): PaymentRequest {
  return { amount: 1299, currency: 'EUR', customerId: `c-${randomUUID().slice(0, 8)}`, items: [{ sku: 'sku-1', qty: 1 }], paymentMethod: { type: 'card', token: 'tok_visa' }, notify: {}, ...overrides };
}

describe('a claim left pending by a request that died is recovered by the next request with the key', () => {
  let world: World;
  let instance: JobsInstance;
  let keys: IdempotencyKeys;
  let sim: SimulatorClient;

  beforeAll(async () => {
    world = await createWorld('payment-recovery');
    // The flow's own lease is the test's too; its deadline is short so that "in use" answers come soon.
    instance = await startInstance({ sim: world.sim, keyPrefix: world.keyPrefix, auditFile: world.auditFile, env: { PAYMENT_LEASE_MS: String(FLOW_LEASE_MS), PAYMENT_DEADLINE_MS: String(DEADLINE_MS) } });
    keys = new IdempotencyKeys(world.redis, world.keyPrefix);
    sim = new SimulatorClient(world.sim.url);
  });

  afterAll(async () => {
    await instance?.close();
    await world?.cleanup();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await sim.clearFaults();
  });

  const store = () => instance.gateway.store;
  const flow = () => instance.gateway.flow;

  /** What a request that died right after its claim leaves: the key pending for `id`, lease `leaseMs`. */
  async function deadClaim(key: string, body: PaymentRequest, leaseMs = LEASE_MS): Promise<string> {
    const id = randomUUID();
    const claim = await keys.claim(key, bodyHash(body), id, leaseMs);
    expect(claim).toMatchObject({ kind: 'new', held: { paymentId: id } });
    return id;
  }

  /** The payment record as the flow creates it. */
  async function created(id: string, body: PaymentRequest): Promise<void> {
    await store().create(id, { id, amount: String(body.amount), currency: body.currency, customerId: body.customerId, items: JSON.stringify(body.items), notify: JSON.stringify(body.notify) });
  }

  async function chargeAt(provider: 'a' | 'b' | 'c', id: string, body: PaymentRequest): Promise<void> {
    const response = await fetch(`${world.sim.url}/providers/${provider}/charges`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': id }, body: JSON.stringify({ amount: body.amount, currency: body.currency, token: body.paymentMethod.token }) });
    expect(response.status).toBe(201);
  }

  const statusOf = async (id: string): Promise<string | undefined> => (await store().get(id))?.fields.status;
  const chargesOf = async (id: string): Promise<ProviderName[]> => (await sim.chargesOf([id])).get(id) ?? [];
  const afterLease = (): Promise<void> => sleep(LEASE_MS + 50);
  /** After the lease of a claim the flow itself made. */
  const afterFlowLease = (): Promise<void> => sleep(FLOW_LEASE_MS + 50);

  test('while the lease holds, a request with the key waits and is told the key is in use (409)', async () => {
    const key = newKey();
    const body = request();
    const id = await deadClaim(key, body, 30_000);
    const result = await flow().submit(key, body);
    expect(result.status).toBe(409);
    expect(result.body).toMatchObject({ error: 'IDEMPOTENCY_KEY_IN_USE', paymentId: id });
  });

  test('a request whose deadline runs out while it waits on a busy key does not claim it afterwards: 409 with Retry-After, nothing processed', async () => {
    const key = newKey();
    const body = request();
    const held = await deadClaim(key, body, 30_000); // a live request holds it
    const real = IdempotencyKeys.prototype.claim;
    const offered: string[] = [];
    jest.spyOn(IdempotencyKeys.prototype, 'claim').mockImplementation(async function (this: IdempotencyKeys, clientKey, hash, newPaymentId, leaseMs) {
      offered.push(newPaymentId);
      const claim = await real.call(this, clientKey, hash, newPaymentId, leaseMs);
      if (offered.length === 1) {
        // Answered just before the deadline; the holder gives the key back (say, its 503) while
        // this request sleeps before looking again, and the deadline passes in that sleep.
        await sleep(DEADLINE_MS - 30);
        await world.redis.del(idempotencyKey(world.keyPrefix, key));
      }
      return claim;
    });
    const result = await flow().submit(key, body);
    expect(result).toMatchObject({ status: 409, body: { error: 'IDEMPOTENCY_KEY_IN_USE', paymentId: held }, retryAfterS: 1 });
    for (const id of offered) expect(await store().get(id)).toBeUndefined();
    expect(offered).toHaveLength(1);
  });

  test('(a) no payment record: nothing was sent, the payment is processed under the same id', async () => {
    const key = newKey();
    const body = request();
    const id = await deadClaim(key, body);
    // Within the lease: the request waits, and takes the key over as soon as the lease expires.
    const result = await flow().submit(key, body);
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({ id, status: 'AUTHORIZED', provider: 'provider-a' });
    expect(await chargesOf(id)).toEqual(['provider-a']);
    const replay = await flow().submit(key, body);
    expect(replay).toEqual({ status: 200, body: result.body });
  });

  test('(b) RECEIVED with no attempt: nothing was charged, FAILED as abandoned, and the key makes a fresh payment', async () => {
    const key = newKey();
    const body = request();
    const id = await deadClaim(key, body);
    await created(id, body);
    await afterLease();

    const result = await flow().submit(key, body);
    expect(result.status).toBe(201);
    const answer = result.body as PaymentAnswer;
    expect(answer.id).not.toBe(id);
    expect(answer).toMatchObject({ status: 'AUTHORIZED', provider: 'provider-a' });
    const old = await store().get(id);
    expect(old?.fields.status).toBe('FAILED');
    expect(old?.history.at(-1)?.reason).toMatch(/abandoned before charge/);
    expect(await chargesOf(id)).toEqual([]);
    expect(await chargesOf(answer.id)).toEqual(['provider-a']);
    expect(await flow().submit(key, body)).toEqual({ status: 200, body: answer });
  });

  test('(c) RECEIVED with an attempt at provider-a that charged: PENDING_REVIEW at provider-a, then AUTHORIZED by reconciliation, charged once', async () => {
    const key = newKey();
    const body = request();
    const id = await deadClaim(key, body);
    await created(id, body);
    await store().recordAttempt(id, 'provider-a', { fraudScore: '0.1', fraudMode: 'service', degraded: '[]' });
    await chargeAt('a', id, body); // the charge the dead request sent
    await afterLease();

    const result = await flow().submit(key, body);
    expect(result).toMatchObject({ status: 201, body: { id, status: 'PENDING_REVIEW', provider: 'provider-a', fraud: { score: 0.1, mode: 'service' } } });
    expect(await flow().submit(key, body)).toEqual({ status: 200, body: result.body });
    await waitFor(async () => (await statusOf(id)) === 'AUTHORIZED', { timeoutMs: 20_000, intervalMs: 100, description: 'reconciliation authorizes the payment' });
    expect((await store().get(id))?.fields.reconciledWith).toBe('provider-a');
    expect(await chargesOf(id)).toEqual(['provider-a']);
  });

  test('(c) attempts at provider-a then provider-b: only the last may have charged, it is the one reconciled; nothing is charged again', async () => {
    const key = newKey();
    const body = request();
    const id = await deadClaim(key, body);
    await created(id, body);
    await store().recordAttempt(id, 'provider-a', { fraudScore: '0.2', fraudMode: 'rules', degraded: '["fraud"]' });
    await store().recordAttempt(id, 'provider-b', { fraudScore: '0.2', fraudMode: 'rules', degraded: '["fraud","provider-a"]' });
    await afterLease();

    const result = await flow().submit(key, body);
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({ id, status: 'PENDING_REVIEW', provider: 'provider-b', fraud: { score: 0.2, mode: 'rules' } });
    expect((result.body as PaymentAnswer).degraded).toEqual(expect.arrayContaining(['fraud', 'provider-a']));
    // provider-b never saw it: reconciliation FAILS it (and never asks provider-c or provider-a to charge).
    await waitFor(async () => (await statusOf(id)) === 'FAILED', { timeoutMs: 20_000, intervalMs: 100, description: 'reconciliation fails the payment' });
    expect(await chargesOf(id)).toEqual([]);
  });

  test('(d) AUTHORIZED but the key never completed: the answer is rebuilt from the record and replayed (200)', async () => {
    const key = newKey();
    const body = request();
    const id = await deadClaim(key, body);
    await created(id, body);
    await store().recordAttempt(id, 'provider-a', { fraudScore: '0.05', fraudMode: 'service', degraded: '[]' });
    await chargeAt('a', id, body);
    await store().transition(id, 'AUTHORIZED', { fraudScore: '0.05', fraudMode: 'service', provider: 'provider-a', chargeId: 'ch_x', degraded: '["inventory"]' }, 'charged by provider-a');
    await afterLease();

    const result = await flow().submit(key, body);
    expect(result).toMatchObject({ status: 200, body: { id, status: 'AUTHORIZED', provider: 'provider-a', fraud: { score: 0.05, mode: 'service' }, degraded: ['inventory'] } });
    expect(await flow().submit(key, body)).toEqual(result);
    expect(await chargesOf(id)).toEqual(['provider-a']);
  });

  test('(d) DECLINED by the fraud score, and PENDING_REVIEW (whose reconciliation is enqueued again), are replayed from the record', async () => {
    const declinedKey = newKey();
    const declinedBody = request();
    const declined = await deadClaim(declinedKey, declinedBody);
    await created(declined, declinedBody);
    await store().transition(declined, 'DECLINED', { fraudScore: '0.95', fraudMode: 'service' }, 'fraud score too high');

    const pendingKey = newKey();
    const pendingBody = request();
    const pending = await deadClaim(pendingKey, pendingBody);
    await created(pending, pendingBody);
    await store().recordAttempt(pending, 'provider-a', { fraudScore: '0.1', fraudMode: 'service' });
    await chargeAt('a', pending, pendingBody);
    await store().transition(pending, 'PENDING_REVIEW', { provider: 'provider-a' }, 'outcome unknown at provider-a: timed out');
    await afterLease();

    expect(await flow().submit(declinedKey, declinedBody)).toMatchObject({ status: 200, body: { id: declined, status: 'DECLINED', provider: null, fraud: { score: 0.95, mode: 'service' }, declineReason: 'fraud score too high' } });
    expect(await flow().submit(pendingKey, pendingBody)).toMatchObject({ status: 200, body: { id: pending, status: 'PENDING_REVIEW', provider: 'provider-a' } });
    await waitFor(async () => (await statusOf(pending)) === 'AUTHORIZED', { timeoutMs: 20_000, intervalMs: 100, description: 'the re-enqueued reconciliation authorizes it' });
    expect(await chargesOf(declined)).toEqual([]);
    expect(await chargesOf(pending)).toEqual(['provider-a']);
  });

  test('FAILED but the key never given back: it is given back and the key makes a fresh payment', async () => {
    const key = newKey();
    const body = request();
    const id = await deadClaim(key, body);
    await created(id, body);
    await store().transition(id, 'FAILED', {}, 'no provider could take the payment');
    await afterLease();

    const result = await flow().submit(key, body);
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({ status: 'AUTHORIZED' });
    expect((result.body as PaymentAnswer).id).not.toBe(id);
  });

  test('a RECEIVED record written before attempts were recorded is not guessed at: the key stays in use (409), the payment RECEIVED', async () => {
    const key = newKey();
    const body = request();
    const id = await deadClaim(key, body);
    await created(id, body);
    await world.redis.hdel(paymentKeys(world.keyPrefix, id)[0], 'attempts');
    await afterLease();
    const result = await flow().submit(key, body);
    expect(result).toMatchObject({ status: 409, body: { error: 'IDEMPOTENCY_KEY_IN_USE', paymentId: id } });
    expect(await statusOf(id)).toBe('RECEIVED');
    expect(await chargesOf(id)).toEqual([]);
  });

  test('a slow request is not overtaken: once recovery has settled the payment, its late attempt is refused and nothing is sent', async () => {
    const key = newKey();
    const body = request();
    const id = await deadClaim(key, body);
    await created(id, body);
    await afterLease();
    await flow().submit(key, body); // (b): FAILED
    await expect(store().recordAttempt(id, 'provider-a')).rejects.toMatchObject({ code: 'ATTEMPT_REFUSED' });
    // A guarded transition fails if an attempt was recorded since the recovery looked.
    const other = randomUUID();
    await created(other, body);
    await store().recordAttempt(other, 'provider-a');
    await expect(store().transition(other, 'FAILED', {}, 'abandoned', { ifAttempts: [] })).rejects.toMatchObject({ code: 'PAYMENT_ATTEMPTS_CHANGED' });
    expect(await statusOf(other)).toBe('RECEIVED');
  });

  describe('a slow request overtaken by a recovery leaves the key the answer the recovery gave it', () => {
    /**
     * Request A records its attempt at provider-a, then stalls past its lease while a retry with
     * the key recovers the payment (PENDING_REVIEW at provider-a, the key completed); then A's
     * charge ends with `outcome`. Returns the retry's answer, A's, and a replay's after both.
     */
    async function overtaken(outcome: ChargeOutcome): Promise<{ id: string; retry: FlowResult; late: FlowResult; replay: FlowResult }> {
      const key = newKey();
      const body = request();
      let attempted!: (id: string) => void;
      const attempt = new Promise<string>((resolve) => (attempted = resolve));
      let recovered!: () => void;
      const recovery = new Promise<void>((resolve) => (recovered = resolve));
      jest.spyOn(instance.gateway.providers, 'charge').mockImplementationOnce(async (charge, _signal, onAttempt) => {
        await onAttempt?.('provider-a');
        attempted(charge.paymentId);
        await recovery;
        return outcome;
      });
      const slow = flow().submit(key, body);
      const id = await attempt;
      await afterFlowLease();
      const retry = await flow().submit(key, body);
      recovered();
      const late = await slow;
      const replay = await flow().submit(key, body);
      return { id, retry, late, replay };
    }

    test('a key is settled only by the claim holding it (a takeover gets a new token), and once it has its answer it keeps it', async () => {
      const key = newKey();
      const hash = bodyHash(request());
      const first = await keys.claim(key, hash, randomUUID(), 50);
      await sleep(80);
      const second = await keys.claim(key, hash, randomUUID(), 30_000);
      if (first.kind !== 'new' || second.kind !== 'stale') throw new Error(`unexpected claims ${first.kind}, ${second.kind}`);
      expect(second.held.paymentId).toBe(first.held.paymentId);
      expect(await keys.complete(first.held, { status: 201, body: 'overtaken' })).toEqual({ kind: 'lost' });
      expect(await keys.release(first.held)).toEqual({ kind: 'lost' });
      expect(await keys.complete(second.held, { status: 201, body: 'recovered' })).toEqual({ kind: 'settled' });
      expect(await keys.complete(second.held, { status: 201, body: 'again' })).toEqual({ kind: 'answered', answer: { status: 201, body: 'recovered' } });
      expect(await keys.release(second.held)).toEqual({ kind: 'answered', answer: { status: 201, body: 'recovered' } });
      expect(await keys.claim(key, hash, randomUUID(), 50)).toEqual({ kind: 'done', answer: { status: 201, body: 'recovered' } });
    });

    test('A then charged: its answer does not overwrite the key, which replays the recovery\'s PENDING_REVIEW', async () => {
      const { id, retry, late, replay } = await overtaken({ kind: 'charged', provider: 'provider-a', chargeId: 'ch_late', skipped: [] });
      expect(retry).toMatchObject({ status: 201, body: { id, status: 'PENDING_REVIEW', provider: 'provider-a' } });
      expect(replay).toEqual({ status: 200, body: retry.body });
      expect(late).toEqual({ status: 200, body: retry.body });
    });

    test('A then found no provider: it does not give the key back, so the next request replays the answer instead of making a fresh payment', async () => {
      const { id, retry, late, replay } = await overtaken({ kind: 'unavailable', skipped: ['provider-a', 'provider-b', 'provider-c'], retryAfterMs: 1_000 });
      expect(retry).toMatchObject({ status: 201, body: { id, status: 'PENDING_REVIEW', provider: 'provider-a' } });
      expect(replay).toEqual({ status: 200, body: retry.body });
      expect(late).toEqual({ status: 200, body: retry.body });
    });
  });

  describe('errors after the claim, in the request itself', () => {
    test('recording the attempt fails (Redis): nothing is sent, the payment FAILS, the key is given back, and the retry charges once', async () => {
      const key = newKey();
      const body = request();
      const spy = jest.spyOn(store(), 'recordAttempt').mockRejectedValueOnce(new Error('Command timed out'));
      await expect(flow().submit(key, body)).rejects.toThrow('Command timed out');
      spy.mockRestore();
      const retry = await flow().submit(key, body);
      expect(retry.status).toBe(201);
      const answer = retry.body as PaymentAnswer;
      expect(answer).toMatchObject({ status: 'AUTHORIZED', provider: 'provider-a' });
      const ledger = await sim.ledger();
      const charged = ledger['provider-a'].map((e) => e.idempotencyKey);
      expect(charged).toContain(answer.id);
      // The first payment of this key: FAILED before any charge, never charged anywhere.
      const payments = await world.redis.keys(`${world.keyPrefix}pay:{*}:*`);
      const firstIds = payments.map((k) => /pay:\{\d+\}:([^:]+)$/.exec(k)?.[1]).filter((x): x is string => x !== undefined && x !== answer.id);
      const failedFirst = [];
      for (const firstId of firstIds) {
        const p = await store().get(firstId);
        if (p?.fields.customerId === body.customerId) failedFirst.push(p);
      }
      expect(failedFirst).toHaveLength(1);
      expect(failedFirst[0]?.fields.status).toBe('FAILED');
      expect(failedFirst[0]?.history.at(-1)?.reason).toMatch(/failed before any charge was sent/);
      expect(await chargesOf(failedFirst[0]?.fields.id ?? '')).toEqual([]);
    });

    test('recording AUTHORIZED fails after provider-a charged: PENDING_REVIEW at provider-a (201), then AUTHORIZED by reconciliation', async () => {
      const key = newKey();
      const body = request();
      const real = store().transition.bind(store());
      jest.spyOn(store(), 'transition').mockImplementation(async (id, to, fields, reason, guard) => {
        if (to === 'AUTHORIZED') throw new Error('Connection is closed.');
        return real(id, to, fields, reason, guard);
      });
      const result = await flow().submit(key, body);
      jest.restoreAllMocks();
      expect(result.status).toBe(201);
      const answer = result.body as PaymentAnswer;
      expect(answer).toMatchObject({ status: 'PENDING_REVIEW', provider: 'provider-a' });
      await waitFor(async () => (await statusOf(answer.id)) === 'AUTHORIZED', { timeoutMs: 20_000, intervalMs: 100, description: 'reconciliation authorizes it' });
      expect(await chargesOf(answer.id)).toEqual(['provider-a']);
    });

    test('the reconcile job cannot be enqueued at first for an ambiguous charge: the client has its answer (201), and the outbox delivers the change again until the job is queued, so the payment is not stranded in PENDING_REVIEW', async () => {
      const key = newKey();
      const body = request();
      jest.spyOn(instance.gateway.providers, 'charge').mockImplementationOnce(async (charge, _signal, onAttempt) => {
        await onAttempt?.('provider-a');
        await chargeAt('a', charge.paymentId, body); // charged, but its answer was lost
        return { kind: 'ambiguous', provider: 'provider-a', skipped: [], error: new Error('timed out after sending') };
      });
      // The relay of the instance's started BullJobs enqueues the follow-ups.
      const reconcileQueue = (instance.jobs as unknown as { queues: Record<string, { add: (...args: unknown[]) => Promise<unknown> }> }).queues['payment-reconcile'];
      const add = jest.spyOn(reconcileQueue, 'add').mockRejectedValueOnce(new Error('Connection is closed.'));
      const result = await flow().submit(key, body);
      expect(result).toMatchObject({ status: 201, body: { status: 'PENDING_REVIEW', provider: 'provider-a' } });
      const id = (result.body as PaymentAnswer).id;
      await waitFor(async () => add.mock.calls.length >= 2, { timeoutMs: 20_000, intervalMs: 100, description: 'the outbox entry delivered again after the failed enqueue' });
      jest.restoreAllMocks();
      await waitFor(async () => (await statusOf(id)) === 'AUTHORIZED', { timeoutMs: 20_000, intervalMs: 100, description: 'reconciliation authorizes it' });
      expect(await chargesOf(id)).toEqual(['provider-a']);
    });

    test('the AUTHORIZED change ran in Redis but its reply was lost: the request fails (503), yet the change is exported and notified at once, with no retry, from the outbox; a retry after the lease replays AUTHORIZED', async () => {
      const key = newKey();
      const body = request({ notify: { email: 'lost-reply@example.com' } });
      const real = store().transition.bind(store());
      let id = '';
      jest.spyOn(store(), 'transition').mockImplementation(async (paymentId, to, fields, reason, guard) => {
        const change = await real(paymentId, to, fields, reason, guard);
        if (to !== 'AUTHORIZED') return change;
        id = paymentId;
        throw new Error('Command timed out'); // the script ran; its reply never came
      });
      await expect(flow().submit(key, body)).rejects.toThrow('Command timed out');
      jest.restoreAllMocks();
      expect(await statusOf(id)).toBe('AUTHORIZED');
      await waitFor(async () => (await auditLines(world.auditFile)).some((l) => l.paymentId === id && l.status === 'AUTHORIZED'), { timeoutMs: 15_000, intervalMs: 100, description: 'the AUTHORIZED audit entry exported' });
      await waitFor(async () => (await deliveries(world.sim, 'notify-email')).some((d) => d.idempotencyKey === `${id}-email`), { timeoutMs: 15_000, intervalMs: 100, description: 'the email of the AUTHORIZED payment' });
      await afterFlowLease();
      expect(await flow().submit(key, body)).toMatchObject({ status: 200, body: { id, status: 'AUTHORIZED', provider: 'provider-a' } });
      expect(await chargesOf(id)).toEqual(['provider-a']);
      expect((await deliveries(world.sim, 'notify-email')).filter((d) => d.idempotencyKey === `${id}-email`)).toHaveLength(1);
      expect((await auditLines(world.auditFile)).filter((l) => l.paymentId === id).map((l) => l.status)).toEqual(['RECEIVED', 'AUTHORIZED']);
    });

    test('every write fails after provider-a charged (Redis gone): the error goes on (503) and, after the lease, a retry recovers it', async () => {
      const key = newKey();
      const body = request();
      jest.spyOn(store(), 'transition').mockRejectedValue(new Error('Connection is closed.'));
      await expect(flow().submit(key, body)).rejects.toThrow('Connection is closed.');
      jest.restoreAllMocks();
      await afterFlowLease();
      const result = await flow().submit(key, body);
      expect(result.status).toBe(201);
      const answer = result.body as PaymentAnswer;
      expect(answer).toMatchObject({ status: 'PENDING_REVIEW', provider: 'provider-a' });
      await waitFor(async () => (await statusOf(answer.id)) === 'AUTHORIZED', { timeoutMs: 20_000, intervalMs: 100, description: 'reconciliation authorizes it' });
      expect(await chargesOf(answer.id)).toEqual(['provider-a']);
    });
  });
});

describe('an instance SIGKILLed while provider-a is answering its charge', () => {
  /** Shorter than the default (16 s) so the test does not wait that long; a lease must be at least twice the deadline. */
  const lease = 4_000;
  const stack = new PaymentStack({
    label: 'recovery',
    instances: 2,
    // provider-a answers in 3 s: its timeout must not cut the charge short (the instance is killed
    // as soon as the charge is made, well within the 2 s deadline).
    env: { DOWNSTREAM_PROVIDER_A_TIMEOUT_MS: '6000', PAYMENT_DEADLINE_MS: String(lease / 2), PAYMENT_LEASE_MS: String(lease) },
  });
  let sim: SimulatorClient;

  beforeAll(async () => {
    await stack.start();
    sim = new SimulatorClient(stack.sim.url);
  }, STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);

  test('the retry with the same key on another instance, after the lease, ends AUTHORIZED by provider-a, charged exactly once', async () => {
    try {
      await sim.fault('provider-a', { latencyMs: 3000 });
      const key = newKey();
      const body = paymentBody();
      const before = (await sim.ledger())['provider-a'].length;
      const doomed = postPayment(stack.url(0), body, { key }).catch((error: unknown) => error);
      // The simulator charges on arrival and answers 3 s later: the charge is made, its answer in flight.
      await waitFor(async () => (await sim.ledger())['provider-a'].length > before, { timeoutMs: 10_000, intervalMs: 20, description: 'the charge at provider-a made, its answer in flight' });
      const id = (await sim.ledger())['provider-a'].at(-1)?.idempotencyKey ?? '';
      expect(id).not.toBe('');
      await stack.instances[0]?.kill();
      const dropped = await doomed;
      expect(dropped).toMatchObject({ name: 'TypeError', message: 'fetch failed' }); // the client saw the connection drop, no answer
      await sim.clearFaults();

      // The client retries with the same key on the other instance until it gets an answer.
      let reply = await postPayment(stack.url(1), body, { key });
      const started = performance.now();
      while (reply.status === 409 && performance.now() - started < 30_000) {
        expect(reply.body).toMatchObject({ error: 'IDEMPOTENCY_KEY_IN_USE', paymentId: id });
        await sleep(Number(reply.headers.get('retry-after') ?? '1') * 1000);
        reply = await postPayment(stack.url(1), body, { key });
      }
      expect(reply.status).toBe(201);
      expect(reply.body).toMatchObject({ id, provider: 'provider-a' });
      expect(['PENDING_REVIEW', 'AUTHORIZED']).toContain(reply.body.status);

      await waitFor(async () => (await getPayment(stack.url(1), id)).status === 'AUTHORIZED', { timeoutMs: 30_000, intervalMs: 200, description: 'the payment AUTHORIZED by reconciliation' });
      const record = await getPayment(stack.url(1), id);
      expect(record.provider).toBe('provider-a');
      expect((await sim.chargesOf([id])).get(id)).toEqual(['provider-a']);
      const replay = await postPayment(stack.url(1), body, { key });
      expect(replay.status).toBe(200);
      expect(replay.body.id).toBe(id);
    } catch (error) {
      if (error instanceof Error) error.message += `\n\n${stack.report()}`;
      throw error;
    }
  });
});
