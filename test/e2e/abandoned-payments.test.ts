// A payment whose request died and whose client never comes back is not left behind: the
// abandoned-payment sweeper (one instance at a time) recovers it by the recovery rules once the
// lease has passed (docs/payment-gateway.md, "Recovery of a dead request"):
//   RECEIVED with an attempt            -> PENDING_REVIEW with that provider, then reconciled;
//   RECEIVED without one                -> FAILED (abandoned before charge);
//   PENDING_REVIEW without its job      -> its reconcile job queued again.
// Built as test/jobs does: a Gateway in this process, its failures injected with jest spies, its
// sweeper run round by round (sweepOnce) rather than on its timer.
import { randomUUID } from 'node:crypto';
import type { PaymentRequest } from '../../apps/payment-api/src/payments/payment';
import { UnsettledPayments } from '../../apps/payment-api/src/payments/unsettled-payments';
import { createWorld, startInstance, type JobsInstance, type World } from '../jobs/support/jobs-harness';
import { sleep, waitFor } from '../support/wait-for';
import { newKey, SimulatorClient, type ProviderName } from './support/http-clients';

jest.setTimeout(60_000);

const DEADLINE_MS = 1_000;
const LEASE_MS = 2 * DEADLINE_MS;

function request(): PaymentRequest {
  return { amount: 1299, currency: 'EUR', customerId: `c-${randomUUID().slice(0, 8)}`, items: [{ sku: 'sku-1', qty: 1 }], paymentMethod: { type: 'card', token: 'tok_visa' }, notify: {} };
}

describe('the abandoned-payment sweeper', () => {
  let world: World;
  let instance: JobsInstance;
  let other: JobsInstance;
  let sim: SimulatorClient;

  beforeAll(async () => {
    world = await createWorld('abandoned-payments');
    const env = { PAYMENT_LEASE_MS: String(LEASE_MS), PAYMENT_DEADLINE_MS: String(DEADLINE_MS) };
    instance = await startInstance({ sim: world.sim, keyPrefix: world.keyPrefix, auditFile: world.auditFile, env });
    other = await startInstance({ sim: world.sim, keyPrefix: world.keyPrefix, auditFile: world.auditFile, env, workers: false });
    sim = new SimulatorClient(world.sim.url);
  });

  afterAll(async () => {
    await other?.close();
    await instance?.close();
    await world?.cleanup();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  const store = () => instance.gateway.store;
  const flow = () => instance.gateway.flow;
  const sweep = () => instance.gateway.sweeper?.sweepOnce();
  const statusOf = async (id: string): Promise<string | undefined> => (await store().get(id))?.fields.status;
  const chargesOf = async (id: string): Promise<ProviderName[]> => (await sim.chargesOf([id])).get(id) ?? [];
  const afterLease = (): Promise<void> => sleep(LEASE_MS + 100);

  /** The payment of the last request from this customer. */
  async function paymentOf(body: PaymentRequest): Promise<string> {
    const keys = await world.redis.keys(`${world.keyPrefix}pay:{*}:*`);
    for (const k of keys) {
      if (!/\}:[^:]+$/.test(k)) continue;
      const fields = await world.redis.hgetall(k);
      if (fields.customerId === body.customerId) return fields.id;
    }
    throw new Error(`no payment for ${body.customerId}`);
  }

  test('a request that died after provider-a charged, whose client never came back: PENDING_REVIEW after the lease, then AUTHORIZED, charged once', async () => {
    const body = request();
    // Redis "goes away" for every status change: the request cannot record the charge, nor clean up.
    jest.spyOn(store(), 'transition').mockRejectedValue(new Error('Connection is closed.'));
    await expect(flow().submit(newKey(), body)).rejects.toThrow('Connection is closed.');
    jest.restoreAllMocks();
    const id = await paymentOf(body);
    expect(await statusOf(id)).toBe('RECEIVED');
    expect(await chargesOf(id)).toEqual(['provider-a']);

    // Within the lease the request may still be alive: nothing happens.
    await sweep();
    expect(await statusOf(id)).toBe('RECEIVED');
    await afterLease();
    await sweep();
    expect(await statusOf(id)).toBe('PENDING_REVIEW');
    await waitFor(async () => (await statusOf(id)) === 'AUTHORIZED', { timeoutMs: 20_000, intervalMs: 100, description: 'reconciliation authorizes it' });
    expect(await chargesOf(id)).toEqual(['provider-a']);
  });

  test('a request that died before any charge was sent: FAILED as abandoned, nothing charged', async () => {
    const body = request();
    jest.spyOn(store(), 'recordAttempt').mockRejectedValue(new Error('Connection is closed.'));
    jest.spyOn(store(), 'transition').mockRejectedValue(new Error('Connection is closed.'));
    await expect(flow().submit(newKey(), body)).rejects.toThrow('Connection is closed.');
    jest.restoreAllMocks();
    const id = await paymentOf(body);
    expect(await statusOf(id)).toBe('RECEIVED');
    await afterLease();
    await sweep();
    const payment = await store().get(id);
    expect(payment?.fields.status).toBe('FAILED');
    expect(payment?.history.at(-1)?.reason).toMatch(/abandoned before charge/);
    expect(await chargesOf(id)).toEqual([]);
  });

  test('a payment its request finished leaves nothing to sweep; while another instance holds the sweep lock, a sweep does nothing', async () => {
    const body = request();
    const result = await flow().submit(newKey(), body);
    expect(result).toMatchObject({ status: 201, body: { status: 'AUTHORIZED' } });
    await afterLease();
    // Whatever earlier tests left is swept first; then nothing is left.
    await sweep();
    expect(await new UnsettledPayments(world.redis, world.keyPrefix).count()).toBe(0);
    expect(await instance.gateway.sweeper.sweepOnce()).toEqual({ swept: true, recovered: 0, failed: 0 });

    const lock = `${world.keyPrefix}pay:sweep-lock`;
    await world.redis.set(lock, 'another-instance', 'PX', 10_000);
    expect(await other.gateway.sweeper.sweepOnce()).toEqual({ swept: false, recovered: 0, failed: 0 });
    expect(await world.redis.get(lock)).toBe('another-instance'); // not released by the one that did not hold it
    await world.redis.del(lock);
    expect(await other.gateway.sweeper.sweepOnce()).toMatchObject({ swept: true });
  });
});
