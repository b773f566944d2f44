// Given a fleet of two payment-api instances, when a client sends strings no downstream or
// script can carry (a lone UTF-16 surrogate, control characters, over-long values) in any field
// of a payment, in its Idempotency-Key or in a payment id, then each is a 400 naming the field,
// never a 503 (which nginx counts against the instance), and the key it named is not left pending:
// the same key with a good body makes the payment at once.
import { getJson, newKey, paymentBody, postPayment, type ErrorAnswer } from './support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';

const LONE = '\ud800';

describe('hostile strings in a payment', () => {
  const stack = new PaymentStack({ label: 'hostile', instances: 2 });
  beforeAll(() => stack.start(), STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);

  const valid = paymentBody();
  const cases: { label: string; body: unknown; field: string }[] = [
    { label: 'a lone surrogate in customerId', body: { ...valid, customerId: `c-${LONE}` }, field: 'customerId' },
    { label: 'a lone surrogate in a sku', body: { ...valid, items: [{ sku: LONE, qty: 1 }] }, field: 'items[0].sku' },
    { label: 'a lone surrogate in the card token', body: { ...valid, paymentMethod: { type: 'card', token: `tok_${LONE}` } }, field: 'paymentMethod.token' },
    { label: 'a lone surrogate in the notify email', body: { ...valid, notify: { email: `a${LONE}@b.c` } }, field: 'notify.email' },
    { label: 'a lone surrogate in the notify sms', body: { ...valid, notify: { sms: `+49${LONE}` } }, field: 'notify.sms' },
    { label: 'a lone surrogate in the notify push', body: { ...valid, notify: { push: `d${LONE}` } }, field: 'notify.push' },
    { label: 'a control character in customerId', body: { ...valid, customerId: 'c-\u0000' }, field: 'customerId' },
    { label: 'a customerId of 201 characters', body: { ...valid, customerId: 'c'.repeat(201) }, field: 'customerId' },
    { label: 'a sku with a slash', body: { ...valid, items: [{ sku: '../admin', qty: 1 }] }, field: 'items[0].sku' },
  ];

  it.each(cases)('$label: 400 naming the field, and its key stays free for a good body', (c) =>
    stack.scenario(async () => {
      const key = newKey();
      const hostile = await postPayment(stack.url(0), c.body, { key });
      expect({ status: hostile.status, error: hostile.body.error }).toEqual({ status: 400, error: 'INVALID_REQUEST' });
      expect((hostile.body.fields ?? []).map((f) => f.field)).toContain(c.field);

      const good = await postPayment(stack.url(1), paymentBody(), { key });
      expect({ status: good.status, paymentStatus: good.body.status }).toEqual({ status: 201, paymentStatus: 'AUTHORIZED' });
    })(),
  );

  it.each([
    { label: 'a control character', key: 'key-\u0001' },
    { label: 'a non-ASCII character', key: 'key-é' },
    { label: 'a space inside', key: 'key one' },
  ])('an Idempotency-Key with $label is a 400 naming the header', (c) =>
    stack.scenario(async () => {
      // fetch refuses to send some header bytes itself; either way nothing reaches a 5xx.
      const reply = await postPayment(stack.url(0), paymentBody(), { key: c.key }).catch(() => undefined);
      if (reply === undefined) return;
      expect(reply.status).toBe(400);
      expect((reply.body.fields ?? []).map((f) => f.field)).toContain('Idempotency-Key');
    })(),
  );

  it(
    'a payment id that is not one is a 400 naming it, on the payment and on its audit',
    stack.scenario(async () => {
      for (const path of [`/payments/${encodeURIComponent('a b')}`, `/payments/${'x'.repeat(65)}/audit`, `/payments/%ED%A0%80`]) {
        const reply = await getJson<ErrorAnswer>(`${stack.url(0)}${path}`);
        expect({ path, status: reply.status }).toEqual({ path, status: 400 });
      }
    }),
  );
});
