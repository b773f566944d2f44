// Given a fleet of two payment-api processes over one Redis and a healthy simulator, a client
// paying over HTTP gets one authorised payment per Idempotency-Key, whichever instance it talks
// to and however often it retries; and a malformed request is a 400 that names its fields, never
// a 500.
import { getJson, newKey, paymentBody, postPayment, SimulatorClient, type AuditEntry, type PaymentRecord } from './support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';

describe('payments on a healthy fleet of two instances', () => {
  const stack = new PaymentStack({ label: 'payments', instances: 2 });
  let sim: SimulatorClient;

  beforeAll(async () => {
    await stack.start();
    sim = new SimulatorClient(stack.sim.url);
  }, STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);

  it(
    'authorises a payment through provider-a, and every instance shows it with its history and audit',
    stack.scenario(async () => {
      const body = paymentBody({ notify: { email: 'buyer@example.com' } });
      const created = await postPayment(stack.url(0), body);

      expect(created.status).toBe(201);
      const answer = created.body;
      expect(answer).toEqual({
        id: expect.any(String),
        status: 'AUTHORIZED',
        provider: 'provider-a',
        fraud: { score: expect.any(Number), mode: 'service' },
        degraded: [],
        degradation: 'NORMAL',
      });

      for (const url of stack.urls) {
        const record = await getJson<PaymentRecord>(`${url}/payments/${answer.id}`);
        expect(record.status).toBe(200);
        expect(record.body).toMatchObject({ id: answer.id, status: 'AUTHORIZED', amount: body.amount, currency: body.currency, provider: 'provider-a' });
        expect(record.body.history.map((h) => h.status)).toEqual(['RECEIVED', 'AUTHORIZED']);

        const audit = await getJson<AuditEntry[]>(`${url}/payments/${answer.id}/audit`);
        expect(audit.status).toBe(200);
        expect(audit.body.length).toBeGreaterThan(0);
        expect(audit.body.every((e) => e.paymentId === answer.id)).toBe(true);
        expect(audit.body.map((e) => e.status)).toEqual(['RECEIVED', 'AUTHORIZED']);
        // The address is the payment's to be notified at, not anyone's to read back.
        expect(JSON.stringify(audit.body)).not.toContain('buyer@example.com');
        expect(audit.body[0].data.notify).toBe(JSON.stringify({ email: '[redacted]' }));
      }
      expect(await sim.chargesOf([answer.id])).toEqual(new Map([[answer.id, ['provider-a']]]));
    }),
  );

  it(
    'replays the first answer for the same key and body (200, same id) on any instance, and refuses the key with another body (409)',
    stack.scenario(async () => {
      const key = newKey();
      const body = paymentBody();
      const first = await postPayment(stack.url(0), body, { key });
      expect(first.status).toBe(201);

      for (const url of stack.urls) {
        const replay = await postPayment(url, body, { key });
        expect(replay.status).toBe(200);
        expect(replay.body).toEqual(first.body);
      }

      const other = await postPayment(stack.url(1), { ...body, amount: body.amount + 1 }, { key });
      expect(other.status).toBe(409);
      expect(other.body.error).toBe('IDEMPOTENCY_KEY_REUSED');

      expect(await sim.chargesOf([first.body.id])).toEqual(new Map([[first.body.id, ['provider-a']]]));
    }),
  );

  it(
    'makes one payment, charged once, of 20 concurrent requests with one key spread over the fleet',
    stack.scenario(async () => {
      const key = newKey();
      const body = paymentBody();
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => postPayment(stack.url(i), body, { key })));

      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(19);
      const ids = new Set(replies.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      const [id] = [...ids] as [string];
      expect(replies.every((r) => r.body.status === 'AUTHORIZED')).toBe(true);

      // One charge under that payment id in the whole ledger, across every provider.
      expect(await sim.chargesOf([id])).toEqual(new Map([[id, ['provider-a']]]));
    }),
  );

  describe('a malformed request is a 400 with field errors, never a 500', () => {
    const valid = paymentBody();
    type Case = { label: string; fields: string[]; body?: unknown; raw?: string; key?: string | null; contentType?: string };
    const cases: Case[] = [
      { label: 'malformed JSON', raw: '{"amount": 1299, "currency": ', fields: ['(body)'] },
      { label: 'an empty JSON body', raw: '', fields: ['(body)'] },
      { label: 'no Idempotency-Key header', body: valid, key: null, fields: ['Idempotency-Key'] },
      { label: 'an empty Idempotency-Key', body: valid, key: ' ', fields: ['Idempotency-Key'] },
      { label: 'an Idempotency-Key over 255 characters', body: valid, key: 'k'.repeat(256), fields: ['Idempotency-Key'] },
      { label: 'a JSON array', body: [valid], fields: ['(body)'] },
      { label: 'JSON null', body: null, fields: ['(body)'] },
      { label: 'the amount as a string', body: { ...valid, amount: '1299' }, fields: ['amount'] },
      { label: 'a negative amount', body: { ...valid, amount: -5 }, fields: ['amount'] },
      { label: 'a zero amount', body: { ...valid, amount: 0 }, fields: ['amount'] },
      { label: 'a fractional amount', body: { ...valid, amount: 12.5 }, fields: ['amount'] },
      { label: 'an amount over the maximum', body: { ...valid, amount: 100_000_001 }, fields: ['amount'] },
      { label: 'a lower-case currency', body: { ...valid, currency: 'eur' }, fields: ['currency'] },
      { label: 'a four-letter currency', body: { ...valid, currency: 'EURO' }, fields: ['currency'] },
      { label: 'the currency as a number', body: { ...valid, currency: 978 }, fields: ['currency'] },
      { label: 'an unknown field', body: { ...valid, amout: 1299 }, fields: ['amout'] },
      { label: 'no customerId', body: { ...valid, customerId: undefined }, fields: ['customerId'] },
      { label: 'items not a list', body: { ...valid, items: { sku: 'sku-1', qty: 1 } }, fields: ['items'] },
      { label: 'no items', body: { ...valid, items: [] }, fields: ['items'] },
      { label: 'a zero quantity', body: { ...valid, items: [{ sku: 'sku-1', qty: 0 }] }, fields: ['items[0].qty'] },
      { label: 'a sku with braces', body: { ...valid, items: [{ sku: '{x}', qty: 1 }] }, fields: ['items[0].sku'] },
      { label: 'a payment method other than card', body: { ...valid, paymentMethod: { type: 'cash', token: 't' } }, fields: ['paymentMethod.type'] },
      { label: 'a bad email', body: { ...valid, notify: { email: 'not-an-email' } }, fields: ['notify.email'] },
      { label: 'an unknown notification channel', body: { ...valid, notify: { fax: '123' } }, fields: ['notify.fax'] },
      // Fastify's own parser refuses prototype poisoning; a bare JSON.parse let these through
      // (the validator does not list the keys of an item or of paymentMethod).
      { label: 'a "__proto__" key (prototype poisoning)', raw: JSON.stringify({ ...valid, items: [{ sku: 'sku-1', qty: 1 }] }).replace('"qty":1}', '"qty":1,"__proto__":{"isAdmin":true}}'), fields: ['(body)'] },
      { label: 'a "constructor.prototype" key (prototype poisoning)', raw: JSON.stringify({ ...valid, paymentMethod: { type: 'card', token: 'tok_visa' } }).replace('"tok_visa"}', '"tok_visa","constructor":{"prototype":{"isAdmin":true}}}'), fields: ['(body)'] },
      { label: 'several problems at once', body: { amount: -1, currency: 'x', extra: true }, fields: ['amount', 'currency', 'customerId', 'extra', 'items', 'paymentMethod'] },
    ];

    it.each(cases)(
      '$label',
      (c) =>
        stack.scenario(async () => {
          const reply = await postPayment(stack.url(0), c.body, { key: c.key === undefined ? newKey() : c.key, ...(c.raw === undefined ? {} : { raw: c.raw }) });
          expect(reply.status).toBe(400);
          expect(reply.body.error).toBe('INVALID_REQUEST');
          const fields = (reply.body.fields ?? []).map((f) => f.field);
          expect([...fields].sort()).toEqual(expect.arrayContaining([...c.fields].sort()));
          expect(fields.length).toBeGreaterThan(0);
          expect((reply.body.fields ?? []).every((f) => typeof f.message === 'string' && f.message.length > 0)).toBe(true);
        })(),
    );

    it(
      'records no payment for any of them',
      stack.scenario(async () => {
        const stats = await sim.stats();
        // Only the three scenarios above charged (1 + 1 + 1 payments); no bad request reached a downstream.
        expect(stats['provider-a'].requests).toBe(3);
        expect(stats['fraud'].requests).toBe(3);
      }),
    );
  });
});
