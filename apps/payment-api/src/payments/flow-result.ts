import type { StoredAnswer } from './idempotency-keys';

/** What the controller sends back. */
export interface FlowResult {
  status: number;
  body: unknown;
  retryAfterS?: number;
}

/** A wait in milliseconds as a Retry-After in whole seconds, never below one. */
export const retryAfter = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** The answer a key already has, for a request that repeats it: a first 201 is replayed as 200. */
export function replay(answer: StoredAnswer): FlowResult {
  return { status: answer.status === 201 ? 200 : answer.status, body: answer.body };
}

/**
 * The deadline ran out before this request could start a payment: 409 IDEMPOTENCY_KEY_IN_USE if
 * it waited on a request with its key (that payment may still be answered), else 503; either way
 * the client retries with the same key.
 */
export function outOfTime(waitedOn: string | undefined): FlowResult {
  if (waitedOn !== undefined) return { status: 409, body: { error: 'IDEMPOTENCY_KEY_IN_USE', message: 'a request with this Idempotency-Key is still being processed', paymentId: waitedOn }, retryAfterS: 1 };
  return { status: 503, body: { error: 'UNAVAILABLE', message: 'the deadline passed before the payment could start; retry it with the same Idempotency-Key' }, retryAfterS: 1 };
}
