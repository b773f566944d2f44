// Given an instance whose payment deadline is 1 s (so its connection timeout is 6 s), when a
// client sends the headers of a payment and part of its body and then nothing more, then the
// instance closes that connection within its connection timeout instead of holding it for ever
// (slowloris, issue 13); payments keep working meanwhile.
import { createConnection } from 'node:net';
import { paymentBody, postPayment } from './support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';

const CONNECTION_TIMEOUT_MS = 6_000;

/** Resolves with how long the server took to close a connection that stalled mid-body, or undefined after `waitMs`. */
function stallMidBody(url: string, waitMs: number): Promise<number | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = createConnection({ host: hostname, port: Number(port) });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, waitMs);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
    socket.once('connect', () => {
      socket.write('POST /payments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: slow-1\r\nContent-Length: 500\r\n\r\n{"amount": 12');
    });
  });
}

describe('a client that never finishes its body', () => {
  const stack = new PaymentStack({ label: 'slow-clients', instances: 1, env: { PAYMENT_DEADLINE_MS: '1000' } });
  beforeAll(() => stack.start(), STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);

  it(
    'is cut off by the instance within its connection timeout, and payments go on meanwhile',
    stack.scenario(async () => {
      const stalled = Array.from({ length: 20 }, () => stallMidBody(stack.url(0), CONNECTION_TIMEOUT_MS + 4_000));
      expect((await postPayment(stack.url(0), paymentBody())).status).toBe(201);
      const closedAfter = await Promise.all(stalled);
      for (const ms of closedAfter) {
        expect(ms).toBeDefined();
        expect(ms).toBeGreaterThanOrEqual(CONNECTION_TIMEOUT_MS - 1_000);
      }
    }),
    20_000,
  );
});
