// Properties of the POST /payments validator, over arbitrary JSON and over mutations of valid
// bodies (hostile strings: lone surrogates, control characters, huge strings; numbers, nulls,
// nested objects, __proto__ keys): it never throws, it answers a request or field errors, it
// accepts every body the documented rules allow, and what it accepts survives JSON and Redis's
// cjson (no lone surrogate). Fixed seed and bounded runs: deterministic, well under 5 s.
import fc from 'fast-check';
import { hasLoneSurrogate, mutate, mutation, stringsIn, validBody } from '../../../../test/support/payment-arbitraries';
import type { PaymentRequest } from './payment';
import { validatePaymentRequest, type Validation } from './payment-request';

const SEED = 13_013;
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns });

/** The JSON text holds no \uD800-\uDFFF escape (how JSON.stringify writes a lone surrogate; an escaped backslash before `u` is not one), and UTF-8 carries it unchanged. */
function cjsonSafe(value: unknown): boolean {
  const json = JSON.stringify(value);
  return !/(?<!\\)(?:\\\\)*\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}/.test(json) && Buffer.from(json, 'utf8').toString('utf8') === json && !stringsIn(value).some(hasLoneSurrogate);
}

/** A field error names a field in short printable text and says what is wrong. */
function wellFormedError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { field, message } = e as { field?: unknown; message?: unknown };
  return typeof field === 'string' && field.length > 0 && field.length <= 100 && /^[^\p{C}\p{Zl}\p{Zp}]+$/u.test(field) && typeof message === 'string' && message.length > 0;
}

/** The validator's answer is one of its two shapes, and an accepted request is one cjson and JSON can carry. */
function checkAnswer(v: Validation): void {
  if (v.ok) {
    const value: PaymentRequest = v.value;
    expect(cjsonSafe(value)).toBe(true);
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
    // What was accepted is accepted again as it is (what the record stores and a replay reads back).
    expect(validatePaymentRequest(JSON.parse(JSON.stringify(value)))).toEqual({ ok: true, value });
  } else {
    expect(v.errors.length).toBeGreaterThan(0);
    for (const e of v.errors) expect({ e, wellFormed: wellFormedError(e) }).toEqual({ e, wellFormed: true });
  }
}

describe('validatePaymentRequest, property-based', () => {
  it('accepts every body the documented rules allow, unchanged, and it survives JSON and cjson', () => {
    fc.assert(
      fc.property(validBody, (body) => {
        const v = validatePaymentRequest(JSON.parse(JSON.stringify(body)));
        expect(v).toEqual({ ok: true, value: { ...body, notify: body.notify ?? {} } });
        checkAnswer(v);
      }),
      params(300),
    );
  });

  it('never throws on arbitrary JSON, and answers a request or field errors', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (json) => {
        checkAnswer(validatePaymentRequest(json));
      }),
      params(1000),
    );
  });

  it('never throws on arbitrary JavaScript values (null prototypes, boxed values, sparse arrays)', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true, maxDepth: 3 }), (value) => {
        expect(() => validatePaymentRequest(value)).not.toThrow();
      }),
      params(500),
    );
  });

  it('a mutated valid body is refused with well-formed field errors, or accepted as a request JSON and cjson can carry', () => {
    fc.assert(
      fc.property(validBody, fc.array(mutation, { minLength: 1, maxLength: 3 }), (body, mutations) => {
        const mutated = mutations.reduce<Record<string, unknown>>((b, m) => mutate(b as never, m), body as never);
        // Through the wire, as Fastify's parser hands it over (JSON.stringify writes a lone surrogate as an escape that JSON.parse restores).
        const wire = JSON.parse(JSON.stringify(mutated)) as unknown;
        const v = validatePaymentRequest(wire);
        checkAnswer(v);
        // A lone surrogate anywhere in the body is never accepted.
        if (stringsIn(wire).some(hasLoneSurrogate)) expect(v.ok).toBe(false);
      }),
      params(1500),
    );
  });

  it('a lone surrogate in any string field is refused, naming that field', () => {
    const fields = fc.constantFrom(
      { path: ['customerId'], field: 'customerId' },
      { path: ['currency'], field: 'currency' },
      { path: ['items', 0, 'sku'], field: 'items[0].sku' },
      { path: ['paymentMethod', 'token'], field: 'paymentMethod.token' },
      { path: ['notify', 'email'], field: 'notify.email' },
      { path: ['notify', 'sms'], field: 'notify.sms' },
      { path: ['notify', 'push'], field: 'notify.push' },
    );
    fc.assert(
      fc.property(validBody, fields, fc.string({ maxLength: 10 }), fc.integer({ min: 0xd800, max: 0xdfff }), (body, f, around, unit) => {
        const v = validatePaymentRequest(JSON.parse(JSON.stringify(mutate(body, { path: f.path, value: `${around}${String.fromCharCode(unit)}` }))));
        expect(v.ok ? [] : v.errors.map((e) => e.field)).toContain(f.field);
      }),
      params(500),
    );
  });
});
