// SIGTERM on a payment-api instance while a payment is in flight: the payment is answered, then
// the application closes (its shutdown hooks run: workers stopped, breaker outcomes flushed) and
// the process ends by the signal, as NestJS re-raises it after closing. Before, the connection of
// the payment in flight stayed open after its answer (keep-alive), the HTTP server never finished
// closing, no shutdown hook ran, and the process lived on until SIGKILL.
import { pay, paymentBody, postPayment, SimulatorClient } from './support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';
import { sleep } from '../support/wait-for';

/** Far longer than an orderly shutdown takes; only a process that does not end is SIGKILLed after it. */
const EXIT_GRACE_MS = 15_000;

describe('SIGTERM with a payment in flight', () => {
  const stack = new PaymentStack({ label: 'sigterm', instances: 1 });
  let sim: SimulatorClient;

  beforeAll(async () => {
    await stack.start();
    sim = new SimulatorClient(stack.sim.url);
  }, STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);

  it('answers the payment, closes, and ends by SIGTERM rather than waiting for SIGKILL', async () => {
    const api = stack.instances[0];
    // The client's keep-alive connection, reused by the payment in flight.
    await pay(api.url);
    await sim.fault('provider-a', { latencyMs: 600 });
    const inFlight = postPayment(api.url, paymentBody());
    await sleep(200);
    const stopped = api.stop(EXIT_GRACE_MS);

    const answer = await inFlight;
    await stopped;

    expect(answer.status).toBe(201);
    expect(api.describe()).toContain('(exited with code null, signal SIGTERM)');
  }, 30_000);
});

// SIGTERM while Redis is gone: the workers cannot finish or hand back their jobs, so waiting for
// them is pointless; the instance must still end by the signal within the launcher's stop grace
// (10 s, then SIGKILL). Before, a worker's disconnect waited for a Redis that was not there and
// the process never ended.
describe('SIGTERM while Redis is down', () => {
  const LAUNCHER_STOP_GRACE_MS = 10_000;
  const stack = new PaymentStack({ label: 'sigterm-redis-down', instances: 1, privateRedis: true });

  beforeAll(() => stack.start(), STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);

  it('closes without Redis and ends by SIGTERM within the launcher\'s grace', async () => {
    const api = stack.instances[0];
    expect((await pay(api.url)).status).toBe('AUTHORIZED');
    await stack.redis.kill();
    await sleep(500);
    await api.stop(LAUNCHER_STOP_GRACE_MS);
    expect(api.describe()).toContain('(exited with code null, signal SIGTERM)');
  }, 40_000);
});
