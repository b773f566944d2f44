import { InvalidRequestDataError } from './invalid-request-data.error';

/**
 * What a string that enters the gateway may hold, field by field (docs/security.md). Every
 * string is checked for well-formed Unicode (no lone UTF-16 surrogate: Redis's cjson refuses
 * them, and encodeURIComponent throws on them), a length, and a character class.
 */
export interface TextRule {
  /** Longest accepted value, in UTF-16 code units. */
  max: number;
  pattern: RegExp;
  /** What the client reads in the field error: "must be <describe>". */
  describe: string;
}

/** A lone surrogate (a surrogate half not paired with the other half). */
const LONE_SURROGATE = /\p{Cs}/u;
/** Printable text: no control, format, private-use or unassigned characters, no line or paragraph separators. */
const PRINTABLE_TEXT = /^[^\p{C}\p{Zl}\p{Zp}]+$/u;
/** Printable ASCII without the space. */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

export const TEXT_RULES = {
  customerId: { max: 200, pattern: PRINTABLE_TEXT, describe: 'printable text of 1 to 200 characters' },
  sku: { max: 100, pattern: /^[A-Za-z0-9._~:-]+$/, describe: 'letters, digits and . _ ~ : - (1 to 100 characters)' },
  cardToken: { max: 200, pattern: VISIBLE_ASCII, describe: 'printable ASCII without spaces (1 to 200 characters)' },
  currency: { max: 3, pattern: /^[A-Z]{3}$/, describe: 'an ISO 4217 code such as EUR' },
  email: { max: 254, pattern: /^[^@\s\p{C}]+@[^@\s\p{C}]+$/u, describe: 'an email address of at most 254 characters' },
  sms: { max: 16, pattern: /^\+?[0-9]{3,15}$/, describe: 'a phone number: an optional + and 3 to 15 digits' },
  push: { max: 512, pattern: VISIBLE_ASCII, describe: 'a device token of printable ASCII without spaces (1 to 512 characters)' },
  idempotencyKey: { max: 255, pattern: VISIBLE_ASCII, describe: 'printable ASCII without spaces (1 to 255 characters)' },
  paymentId: { max: 64, pattern: /^[A-Za-z0-9-]+$/, describe: 'a payment id (letters, digits and -)' },
} as const satisfies Record<string, TextRule>;

/** Whether `value` is a string that holds no lone surrogate. */
export function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/** The problem with `value` under `rule` ("must be ..."), or undefined when it passes. */
export function textProblem(value: unknown, rule: TextRule): string | undefined {
  const ok = typeof value === 'string' && value.length > 0 && value.length <= rule.max && isWellFormed(value) && value.trim().length > 0 && rule.pattern.test(value);
  return ok ? undefined : `must be ${rule.describe}`;
}

/**
 * For the builders of downstream calls, before any policy runs: `value` under `rule`, or an
 * InvalidRequestDataError naming `field`. A request's own bad data is refused at its source, so
 * it never counts as a failure of the downstream in a breaker, bulkhead or retry budget.
 */
export function requireText(field: string, value: unknown, rule: TextRule): string {
  const problem = textProblem(value, rule);
  if (problem !== undefined) throw new InvalidRequestDataError(field, problem);
  return value as string;
}
