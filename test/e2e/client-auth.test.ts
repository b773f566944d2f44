// Client API keys (issue 13): with CLIENT_AUTH=api-key, making and reading payments needs a
// client's key. A client owns the payments it makes and sees only those (another's is a 404, as
// if it did not exist); its Idempotency-Keys are its own (two clients may use the same key, and
// neither can replay the other's answer); the admin token reads every payment and makes none;
// wrong keys are limited per address. Two real instances, real Redis and HTTP.
import { createHash, randomUUID } from 'node:crypto';
import { paymentBody } from './support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';

const KEY_A = `key-of-shop-a-${randomUUID()}`;
const KEY_B = `key-of-shop-b-${randomUUID()}`;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const MAX_FAILURES = 3;

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(url: string, init: { method?: string; token?: string; key?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.key !== undefined) headers['idempotency-key'] = init.key;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('client API keys (CLIENT_AUTH=api-key)', () => {
  const stack = new PaymentStack({
    label: 'clientauth',
    instances: 2,
    env: { CLIENT_AUTH: 'api-key', CLIENT_API_KEYS: `shop-a:${sha256(KEY_A)},shop-b:${sha256(KEY_B)}`, AUTH_MAX_FAILURES: String(MAX_FAILURES), AUTH_FAILURE_WINDOW_MS: '60000' },
  });

  beforeAll(() => stack.start(), STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);

  const pay = (instance: number, token: string | undefined, key: string, body = paymentBody()): Promise<Answer> => call(`${stack.url(instance)}/payments`, { method: 'POST', token, key, body });

  it(
    'a client sees its own payments on any instance; another client gets 404 for them; the admin token reads all and makes none',
    stack.scenario(async () => {
      const made = await pay(0, KEY_A, randomUUID());
      expect(made.status).toBe(201);
      const id = String(made.body.id);
      for (const instance of [0, 1]) {
        expect((await call(`${stack.url(instance)}/payments/${id}`, { token: KEY_A })).status).toBe(200);
        expect((await call(`${stack.url(instance)}/payments/${id}/audit`, { token: KEY_A })).status).toBe(200);
        expect(await call(`${stack.url(instance)}/payments/${id}`, { token: KEY_B })).toMatchObject({ status: 404, body: { error: 'NOT_FOUND' } });
        expect((await call(`${stack.url(instance)}/payments/${id}/audit`, { token: KEY_B })).status).toBe(404);
      }
      expect((await call(`${stack.url(1)}/payments/${id}`, { token: stack.adminToken })).status).toBe(200);
      expect(await pay(1, stack.adminToken, randomUUID())).toMatchObject({ status: 403, body: { error: 'FORBIDDEN' } });
    }),
  );

  it(
    'two clients may use the same Idempotency-Key: two payments, and neither replays the other\'s answer',
    stack.scenario(async () => {
      const key = `order-${randomUUID()}`;
      const body = paymentBody();
      const a = await pay(0, KEY_A, key, body);
      const b = await pay(1, KEY_B, key, body);
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(b.body.id).not.toBe(a.body.id);
      const replay = await pay(1, KEY_A, key, body);
      expect(replay).toMatchObject({ status: 200, body: { id: a.body.id } });
    }),
  );

  it(
    'no key or a wrong key is 401 before anything else is looked at; past the limit of wrong keys, 429 with Retry-After',
    stack.scenario(async () => {
      expect(await pay(0, undefined, randomUUID())).toMatchObject({ status: 401, body: { error: 'UNAUTHORIZED' } });
      // Not even a hint about the body or the path: the caller is unknown.
      expect((await call(`${stack.url(0)}/payments`, { method: 'POST', body: { junk: true } })).status).toBe(401);
      expect((await call(`${stack.url(0)}/payments/${randomUUID()}`)).status).toBe(401);
      // A peer that is not a trusted proxy: its X-Real-IP buys no fresh allowance.
      for (let i = 0; i < MAX_FAILURES; i++) expect((await call(`${stack.url(1)}/payments/${randomUUID()}`, { token: `wrong-${i}`, headers: { 'x-real-ip': `10.1.1.${i}` } })).status).toBe(401);
      const limited = await fetch(`${stack.url(1)}/payments/${randomUUID()}`, { headers: { authorization: `Bearer ${KEY_A}` } });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    }),
  );
});
