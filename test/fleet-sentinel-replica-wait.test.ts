// The waiting mode through the gateway (issue 11), on a Sentinel master with one replica.
//
// Given an instance with REDIS_WAIT_REPLICAS=1, when the replica is there, then a payment is
// taken (201); when the replica is SIGKILLed, then a payment is answered a clean 503 with
// Retry-After and nothing is charged (its claim was never confirmed, so nothing was sent); and once
// the replica is back, the client's retry with the same Idempotency-Key is taken at once (the
// unconfirmed claim was given back, not left pending for its lease) and charged exactly once.
import { newKey, paymentBody, postPayment, SimulatorClient } from './e2e/support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './e2e/support/payment-stack';
import { redisCli } from './support/redis-cluster';
import { startRedisSentinel, type RedisSentinelHandle } from './support/redis-sentinel';
import { waitFor } from './support/wait-for';

jest.setTimeout(60_000);

describe('the replica waiting mode through the gateway, on Sentinel', () => {
  let sentinel: RedisSentinelHandle;
  let stack: PaymentStack;
  let sim: SimulatorClient;

  beforeAll(async () => {
    sentinel = await startRedisSentinel();
    stack = new PaymentStack({ label: 'replica-wait', instances: 1, env: { REDIS_URL: sentinel.url, REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '300' } });
    await stack.start();
    sim = new SimulatorClient(stack.sim.url);
  }, STACK_START_TIMEOUT_MS);

  afterAll(async () => {
    await stack?.stop();
    await sentinel?.cleanup();
  }, STACK_STOP_TIMEOUT_MS);

  it('takes a payment with its replica, refuses one cleanly without it, and takes the retry once the replica is back', async () => {
    expect((await postPayment(stack.url(0), paymentBody())).status).toBe(201);

    const [master, replica] = sentinel.servers;
    await replica.kill();
    await waitFor(async () => /connected_slaves:0/.test(await redisCli(master.port, 'info', 'replication')), { timeoutMs: 5_000, description: 'the master to see its replica gone' });

    const key = newKey();
    const body = paymentBody({ amount: 4_321 });
    const refused = await postPayment(stack.url(0), body, { key });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect(Object.values(await sim.ledger()).flat().filter((e) => e.amount === body.amount)).toEqual([]);

    await replica.restart();
    await waitFor(async () => /master_link_status:up/.test(await redisCli(replica.port, 'info', 'replication')), { timeoutMs: 10_000, description: 'the replica in sync again' });
    const retried = await postPayment(stack.url(0), body, { key });
    expect(retried.status).toBe(201);
    expect(Object.values(await sim.ledger()).flat().filter((e) => e.amount === body.amount).map((e) => e.idempotencyKey)).toEqual([retried.body.id]);
  });
});
