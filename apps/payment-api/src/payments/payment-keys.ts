import { createHash } from 'node:crypto';
import { ALL_PAYMENT_SHARDS, paymentShardOf } from './payment-shards';

/**
 * Redis keys of one payment and the outbox stream of its shard, all under the shard's hash tag
 * (payment-shards.ts), so the scripts that change a payment touch one slot.
 */
export function paymentKeys(prefix: string, id: string): [payment: string, history: string, audit: string, outbox: string] {
  const shard = paymentShardOf(id);
  const base = `${prefix}pay:{${shard}}:${id}`;
  return [base, `${base}:history`, `${base}:audit`, paymentOutboxKey(prefix, shard)];
}

/** The outbox stream of one shard: an entry per recorded change of its payments, drained by the follow-up groups. */
export const paymentOutboxKey = (prefix: string, shard: number): string => `${prefix}pay:outbox:{${shard}}`;

/** The outbox streams of every shard. */
export const paymentOutboxKeys = (prefix: string): string[] => ALL_PAYMENT_SHARDS.map((shard) => paymentOutboxKey(prefix, shard));

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
