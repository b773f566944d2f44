import type { ProtectedCall } from '../breaker/breaker';

/**
 * Anything that runs a call on the caller's behalf: a breaker, a bulkhead, a timeout, a retry, a
 * fallback. The signal carries cancellation and, through `deadline.ts`, the request's deadline.
 */
export interface Policy {
  execute<T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T>;
}

/**
 * Composes policies, outermost first: `wrap(fallback, retry, breaker, bulkhead, timeout)` runs
 * the fallback around the retry around the breaker ... around the timeout around the call.
 */
export function wrap(...policies: Policy[]): Policy {
  let composed: Policy = { execute: (call, signal) => call(signal ?? NEVER_ABORTED) };
  for (let i = policies.length - 1; i >= 0; i--) {
    const outer = policies[i];
    const inner = composed;
    composed = { execute: (call, signal) => outer.execute((s) => inner.execute(call, s), signal) };
  }
  return composed;
}

export const NEVER_ABORTED: AbortSignal = new AbortController().signal;
