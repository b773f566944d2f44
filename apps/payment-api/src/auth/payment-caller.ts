/**
 * Who is paying or reading a payment: `anyone` with CLIENT_AUTH=off; a `client` by its API key
 * (it owns the payments it makes and sees only those, and its Idempotency-Keys are its own); the
 * `operator` by the admin token (reads every payment, makes none).
 */
export type PaymentCaller = { kind: 'anyone' } | { kind: 'client'; id: string } | { kind: 'operator' };

/** The Idempotency-Key as stored: a client's keys are scoped to it, so two clients may use the same one and neither can replay the other's. */
export function scopedIdempotencyKey(caller: PaymentCaller, key: string): string {
  // Client ids have no ':' (client-keys.ts), so no two (client, key) pairs give the same string.
  return caller.kind === 'client' ? `${caller.id}:${key}` : key;
}

/** Whether the caller may see a payment whose record names `owner` (undefined: made without CLIENT_AUTH). */
export function maySee(caller: PaymentCaller, owner: string | undefined): boolean {
  return caller.kind !== 'client' || owner === caller.id;
}
