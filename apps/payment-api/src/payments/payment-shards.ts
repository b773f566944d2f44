/**
 * Payments are spread over this many shards, each with a hash tag of its own (`{<n>}`): a
 * payment's keys, its shard's outbox stream and its shard's part of the unsettled index live in
 * one Redis Cluster slot, so the script that changes a payment can append to the outbox in the
 * same step. Payment traffic is spread over these many slots (so over up to this many masters),
 * never on one key. Changing it moves every payment's keys: it is fixed.
 */
export const PAYMENT_SHARDS = 16;

/** The shard of a payment: FNV-1a of its id, modulo PAYMENT_SHARDS. */
export function paymentShardOf(paymentId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < paymentId.length; i++) {
    hash ^= paymentId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % PAYMENT_SHARDS;
}

/** Every shard number, 0 to PAYMENT_SHARDS - 1. */
export const ALL_PAYMENT_SHARDS: readonly number[] = Array.from({ length: PAYMENT_SHARDS }, (_, shard) => shard);
