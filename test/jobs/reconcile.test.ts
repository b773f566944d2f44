// Reconciliation of ambiguous charges on BullMQ: a PENDING_REVIEW payment is settled with the
// provider that may have charged it, its audit entry exported and its notifications sent; a
// second run of the job changes nothing.
import { randomUUID } from 'node:crypto';
import type { ReconcileJobData } from '../../apps/payment-api/src/jobs/job-data';
import { sleep, waitFor } from '../support/wait-for';
import { auditLines, createWorld, deliveries, openQueue, requestsTo, startInstance, type JobsInstance, type World } from './support/jobs-harness';

jest.setTimeout(60_000);

/**
 * NOT_FOUND is final only after the last attempt + PAYMENT_DEADLINE_MS + NOT_FOUND_MARGIN_MS
 * (10 s): a short deadline keeps that near 11 s.
 */
const SHORT_DEADLINE = { PAYMENT_DEADLINE_MS: '1000' };

describe('reconcile jobs', () => {
  let world: World;
  let instance: JobsInstance;

  beforeEach(async () => {
    world = await createWorld('jobs-reconcile');
    instance = await startInstance({ sim: world.sim, keyPrefix: world.keyPrefix, auditFile: world.auditFile, env: SHORT_DEADLINE });
  });

  afterEach(async () => {
    await instance.close();
    await world.cleanup();
  });

  /** A payment whose charge at provider-a timed out: PENDING_REVIEW, as the payment flow leaves it. */
  async function pendingPayment(notify: Record<string, string> = { email: 'a@b.c' }): Promise<string> {
    const id = randomUUID();
    await instance.gateway.store.create(id, { id, amount: '1299', currency: 'EUR', customerId: 'c-1', items: JSON.stringify([{ sku: 'sku-1', qty: 1 }]), notify: JSON.stringify(notify) });
    await instance.gateway.store.transition(id, 'PENDING_REVIEW', { provider: 'provider-a' }, 'outcome unknown at provider-a: timed out');
    return id;
  }

  async function chargeAtProvider(id: string, token = 'tok_visa'): Promise<void> {
    const response = await fetch(`${world.sim.url}/providers/a/charges`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': id }, body: JSON.stringify({ amount: 1299, currency: 'EUR', token }) });
    expect(response.status).toBe(201);
  }

  const statusOf = async (id: string): Promise<string | undefined> => (await instance.gateway.store.get(id))?.fields.status;

  test('given provider-a charged a PENDING_REVIEW payment, then reconciliation authorizes it, exports the change and notifies once', async () => {
    const id = await pendingPayment();
    await chargeAtProvider(id);

    await instance.jobs.reconcile(id, 'provider-a');
    await instance.jobs.reconcile(id, 'provider-a'); // the same job: added once

    await waitFor(async () => (await statusOf(id)) === 'AUTHORIZED', { timeoutMs: 15_000, description: 'the payment authorized' });
    const payment = await instance.gateway.store.get(id);
    expect(payment?.fields.reconciledWith).toBe('provider-a');
    expect(payment?.history.at(-1)).toMatchObject({ status: 'AUTHORIZED', reason: 'reconciled: charged' });
    await waitFor(async () => (await deliveries(world.sim, 'notify-email')).length === 1, { timeoutMs: 10_000, description: 'the email' });
    expect((await deliveries(world.sim, 'notify-email'))[0]).toMatchObject({ idempotencyKey: `${id}-email`, message: { status: 'AUTHORIZED', amount: 1299 } });
    await waitFor(async () => (await auditLines(world.auditFile)).some((l) => l.paymentId === id && l.status === 'AUTHORIZED'), { timeoutMs: 10_000, description: 'the exported audit entry' });
    // Every recorded change, the test's own two included, was exported through the outbox, in order.
    const exported = (await auditLines(world.auditFile)).filter((l) => l.paymentId === id);
    expect(exported.map((l) => l.status)).toEqual(['RECEIVED', 'PENDING_REVIEW', 'AUTHORIZED']);
    expect(exported[2]).toEqual(expect.objectContaining({ type: 'payment.authorized', status: 'AUTHORIZED', reason: 'reconciled: charged', data: { reconciledWith: 'provider-a' } }));

    // The job runs again (it was removed, as after a crash between the transition and its completion).
    const queue = openQueue<ReconcileJobData>(world, 'payment-reconcile');
    try {
      await queue.remove(`${id}-reconcile`);
      await instance.jobs.reconcile(id, 'provider-a');
      await waitFor(async () => (await queue.getJobState(`${id}-reconcile`)) === 'completed', { timeoutMs: 10_000, description: 'the second run' });
      expect((await queue.getJob(`${id}-reconcile`))?.returnvalue).toBe('already AUTHORIZED');
    } finally {
      await queue.close();
    }
    expect(await statusOf(id)).toBe('AUTHORIZED');
    expect(await deliveries(world.sim, 'notify-email')).toHaveLength(1);
    expect((await auditLines(world.auditFile)).filter((l) => l.paymentId === id)).toHaveLength(3);
  });

  test('given provider-a never saw the charge, then the payment FAILS; given it declined, then it is DECLINED', async () => {
    const unseen = await pendingPayment({});
    const declined = await pendingPayment({ sms: '+4912345' });
    await chargeAtProvider(declined, 'tok_decline');

    await Promise.all([instance.jobs.reconcile(unseen, 'provider-a'), instance.jobs.reconcile(declined, 'provider-a')]);

    // FAILED only once no send of its request can still reach provider-a (about 11 s here).
    await waitFor(async () => (await statusOf(unseen)) === 'FAILED' && (await statusOf(declined)) === 'DECLINED', { timeoutMs: 25_000, intervalMs: 100, description: 'both payments settled' });
    // Only charges are notified (issue 13): the declined payment's sms is not sent.
    await sleep(1_000);
    expect(await deliveries(world.sim, 'notify-sms')).toEqual([]);
    expect(await deliveries(world.sim, 'notify-email')).toEqual([]);
  });

  test('given provider-a has not seen the charge yet, a NOT_FOUND soon after the last attempt is not final: a charge that lands before the last attempt + the deadline + a margin is found', async () => {
    const id = randomUUID();
    await instance.gateway.store.create(id, { id, amount: '1299', currency: 'EUR', customerId: 'c-1', items: JSON.stringify([{ sku: 'sku-1', qty: 1 }]), notify: '{}' });
    await instance.gateway.store.recordAttempt(id, 'provider-a');
    await instance.gateway.store.transition(id, 'PENDING_REVIEW', { provider: 'provider-a' }, 'outcome unknown at provider-a: timed out');

    await instance.jobs.reconcile(id, 'provider-a');
    // The first run (after 1 s) finds nothing at provider-a: the charge is still on its way.
    await waitFor(async () => (await requestsTo(world.sim, 'provider-a')) >= 1, { timeoutMs: 5_000, description: 'the first status query' });
    await sleep(500);
    expect(await statusOf(id)).toBe('PENDING_REVIEW');
    await chargeAtProvider(id); // the live request's charge lands late
    await waitFor(async () => (await statusOf(id)) === 'AUTHORIZED', { timeoutMs: 25_000, intervalMs: 100, description: 'the payment authorized by a later run' });
  });

  test("given provider-a's breaker refuses calls, then reconciliation is postponed without spending attempts, and settles the payment once the breaker lets calls through", async () => {
    await instance.close();
    // Two attempts with a short backoff: refusals that spent attempts would dead-letter the job within a second.
    instance = await startInstance({ sim: world.sim, keyPrefix: world.keyPrefix, auditFile: world.auditFile, env: SHORT_DEADLINE, queues: { 'payment-reconcile': { attempts: 2, backoffBaseMs: 50, backoffCapMs: 200 } } });
    const id = await pendingPayment({});
    await chargeAtProvider(id);
    const breaker = instance.gateway.policies.breaker('provider-a');
    await breaker.forceOpen();
    const before = await requestsTo(world.sim, 'provider-a');

    await instance.jobs.reconcile(id, 'provider-a');
    const queue = openQueue<ReconcileJobData>(world, 'payment-reconcile');
    const dead = openQueue<ReconcileJobData>(world, 'payment-reconcile', true);
    try {
      await sleep(3_000); // the first run after 1 s, then refusal after refusal
      expect(await dead.getJob(`${id}-reconcile`)).toBeUndefined();
      const job = await queue.getJob(`${id}-reconcile`);
      // Postponed, or caught in one of its runs: never done, failed or dead-lettered.
      expect(['delayed', 'active']).toContain(await job?.getState());
      expect(job?.attemptsMade).toBe(0);
      expect(await requestsTo(world.sim, 'provider-a')).toBe(before);
      expect(await statusOf(id)).toBe('PENDING_REVIEW');

      await breaker.reset();
      await waitFor(async () => (await statusOf(id)) === 'AUTHORIZED', { timeoutMs: 10_000, description: 'the payment authorized once the breaker closed' });
    } finally {
      await queue.close();
      await dead.close();
    }
  });

  test('given provider-a is down, then reconciliation retries until it answers', async () => {
    const id = await pendingPayment({});
    await chargeAtProvider(id);
    await fetch(`${world.sim.url}/_faults/provider-a`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'down' }) });

    await instance.jobs.reconcile(id, 'provider-a');
    const queue = openQueue<ReconcileJobData>(world, 'payment-reconcile');
    try {
      await waitFor(async () => ((await queue.getJob(`${id}-reconcile`))?.attemptsMade ?? 0) >= 2, { timeoutMs: 15_000, description: 'two failed runs' });
      expect(await statusOf(id)).toBe('PENDING_REVIEW');
      await fetch(`${world.sim.url}/_faults`, { method: 'DELETE' });
      await waitFor(async () => (await statusOf(id)) === 'AUTHORIZED', { timeoutMs: 20_000, description: 'the payment authorized after the fault' });
    } finally {
      await queue.close();
    }
  });
});
