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
