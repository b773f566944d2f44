import { createHash } from 'node:crypto';

/** Redis keys of one payment, under one hash tag so its scripts touch one slot. */
export const paymentKeys = (prefix: string, id: string): [payment: string, history: string, audit: string] => [
  `${prefix}pay:{${id}}`,
  `${prefix}pay:{${id}}:history`,
  `${prefix}pay:{${id}}:audit`,
];

/** A client's Idempotency-Key is hashed: any string is allowed, and no brace can move the hash tag. */
export const idempotencyKey = (prefix: string, clientKey: string): string => `${prefix}idem:{${createHash('sha256').update(clientKey).digest('hex')}}`;

/** Hash of a request body, independent of the order of its fields. */
export function bodyHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
