// fast-check arbitraries for POST /payments: valid bodies built from the documented rules
// (docs/payment-gateway.md, docs/security.md; independent of text-rules.ts, so they check it),
// hostile values, and mutations of a valid body. Shared by the property spec beside the
// validator and the HTTP fuzz run (test/e2e/fuzz-payments.test.ts).
import fc from 'fast-check';
import type { PaymentBody } from '../e2e/support/http-clients';

/** A body the contract accepts: the shape the e2e tests send. */
export type ValidBody = PaymentBody;

/** Code points of printable text: ASCII, Latin-1 and Latin Extended (no soft hyphen), Greek, CJK, emoji (two UTF-16 units). */
const printableCodePoint = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }),
  fc.integer({ min: 0xa1, max: 0xac }),
  fc.integer({ min: 0xae, max: 0x17f }),
  fc.integer({ min: 0x3b1, max: 0x3c9 }),
  fc.integer({ min: 0x4e00, max: 0x9fff }),
  fc.integer({ min: 0x1f600, max: 0x1f64f }),
);

/** Printable text of 1..max UTF-16 units that is not blank. */
const printableText = (max: number): fc.Arbitrary<string> =>
  fc
    .array(printableCodePoint, { minLength: 1, maxLength: max })
    .map((points) => String.fromCodePoint(...points))
    .filter((s) => s.length <= max && s.trim().length > 0);

const visibleAscii = (max: number): fc.Arbitrary<string> => fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: max });

/** An email: `local@domain`, no spaces, no second @, at most 254. */
const email = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789._%+-ü'), minLength: 1, maxLength: 64 }),
    fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789.-'), minLength: 1, maxLength: 189 }),
  )
  .map(([local, domain]) => `${local}@${domain}`);

/** A valid POST /payments body, anywhere within the documented bounds. */
export const validBody: fc.Arbitrary<ValidBody> = fc.record(
  {
    amount: fc.oneof(fc.integer({ min: 1, max: 100_000_000 }), fc.constantFrom(1, 100_000_000)),
    currency: fc.stringMatching(/^[A-Z]{3}$/),
    customerId: fc.oneof(printableText(200), fc.constant('c'.repeat(200))),
    items: fc.array(
      fc.record({ sku: fc.oneof(fc.stringMatching(/^[A-Za-z0-9._~:-]{1,100}$/), fc.constant('s'.repeat(100))), qty: fc.integer({ min: 1, max: 1000 }) }),
      { minLength: 1, maxLength: 100 },
    ),
    paymentMethod: fc.record({ type: fc.constant('card' as const), token: visibleAscii(200) }),
    notify: fc.record({ email, sms: fc.stringMatching(/^\+?[0-9]{3,15}$/), push: visibleAscii(512) }, { requiredKeys: [] }),
  },
  { requiredKeys: ['amount', 'currency', 'customerId', 'items', 'paymentMethod'] },
);

/** One lone UTF-16 surrogate (a high half without its low half, or a low half alone). */
export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** A control, format or separator character (C0, DEL, C1, soft hyphen, bidi override, LS, PS, BOM). */
const controlCharacter = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }),
  fc.integer({ min: 0x7f, max: 0x9f }),
  fc.constantFrom(0xad, 0x200b, 0x202e, 0x2028, 0x2029, 0xfeff, 0xfffe, 0xe000),
).map((c) => String.fromCharCode(c));

/** Strings a client may send that no field should take as they are (or should take, by chance). */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: fc.oneof(loneSurrogate, controlCharacter, fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 })), maxLength: 40 }),
  fc.tuple(fc.string({ maxLength: 8 }), loneSurrogate, fc.string({ maxLength: 8 })).map(([a, s, b]) => `${a}${s}${b}`),
  fc.tuple(fc.string({ maxLength: 8 }), controlCharacter).map(([a, c]) => `${a}${c}`),
  fc.constantFrom('', ' ', '\t', '\u00a0', '__proto__', 'constructor', 'prototype', 'toString', '../admin', '%ED%A0%80', 'null', '\\ud800'),
  // huge: past every field's limit, some past the 64 KiB body limit once encoded
  fc.tuple(fc.integer({ min: 201, max: 70_000 }), fc.constantFrom('x', 'é', '🙂', '\ud800')).map(([n, c]) => c.repeat(n)),
);

/** A JSON value with a `__proto__` own key (as JSON.parse makes it) somewhere inside. */
export const protoKeyed: fc.Arbitrary<unknown> = fc
  .tuple(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('__proto__', 'constructor'))
  .map(([inner, key]) => JSON.parse(`{"${key}": ${key === 'constructor' ? '{"prototype": {"polluted": true}}' : JSON.stringify(inner) ?? 'null'}}`) as unknown);

/** Any value a JSON body can hold in a field's place: hostile strings, numbers, null, nested things. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -1, 0.5, 1e21, -0, 100_000_001, 1001, Number.MAX_SAFE_INTEGER + 2),
  fc.constant(null),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 3 }),
  protoKeyed,
  fc.array(hostileString, { maxLength: 3 }),
);

/** Where in a body a mutation lands. */
export type BodyPath = readonly (string | number)[];

/** A mutation: set the value at `path` (undefined deletes it). */
export interface Mutation {
  path: BodyPath;
  value: unknown;
}

const bodyPaths: BodyPath[] = [
  ['amount'],
  ['currency'],
  ['customerId'],
  ['items'],
  ['items', 0],
  ['items', 0, 'sku'],
  ['items', 0, 'qty'],
  ['paymentMethod'],
  ['paymentMethod', 'type'],
  ['paymentMethod', 'token'],
  ['notify'],
  ['notify', 'email'],
  ['notify', 'sms'],
  ['notify', 'push'],
];

/** A field replaced by a hostile value or removed, or a hostile key added (at the top, in an item, in notify). */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ path: fc.constantFrom(...bodyPaths), value: hostileValue }) },
  fc.record({ path: fc.constantFrom(...bodyPaths), value: fc.constant(undefined) }),
  fc.record({ path: fc.tuple(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'amount '))), value: hostileValue }),
  fc.record({ path: fc.tuple(fc.constant('notify'), fc.oneof(hostileString, fc.constant('__proto__'))), value: hostileValue }),
  fc.record({ path: fc.tuple(fc.constant('items'), fc.constant(0), hostileString), value: hostileValue }),
);

/** `body` with `m` applied, on a deep copy (own properties only: `__proto__` stays a plain key, as JSON.parse makes it). */
export function mutate(body: ValidBody, m: Mutation): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  let target: Record<string | number, unknown> = copy;
  for (const key of m.path.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== 'object' || next === null) {
      const created: Record<string, unknown> = {};
      Object.defineProperty(target, key, { value: created, enumerable: true, writable: true, configurable: true });
      target = created;
    } else target = next as Record<string | number, unknown>;
  }
  const last = m.path[m.path.length - 1] as string | number;
  if (m.value === undefined) delete target[last];
  else Object.defineProperty(target, last, { value: m.value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** Whether a string holds a lone surrogate. */
export const hasLoneSurrogate = (s: string): boolean => /\p{Cs}/u.test(s);

/** Every string in a JSON value, keys included. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => [k, ...stringsIn(v)]);
  return [];
}
