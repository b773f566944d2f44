import type { ProtectedCall } from '../breaker/breaker';
import { NEVER_ABORTED } from '../never-aborted';

export { NEVER_ABORTED } from '../never-aborted';

/**
 * Anything that runs a call on the caller's behalf: a breaker, a bulkhead, a timeout, a retry, a
 * fallback. The signal carries cancellation and, through `deadline.ts`, the request's deadline.
 */
export interface Policy {
  execute<T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T>;
}

/** A policy for calls of one result type: a fallback, whose answer stands in for the call's. */
export interface TypedPolicy<R> {
  execute(call: ProtectedCall<R>, signal?: AbortSignal): Promise<R>;
}

/**
 * Composes policies, outermost first: `wrap(fallback, retry, breaker, bulkhead, timeout)` runs
 * the fallback around the retry around the breaker ... around the timeout around the call.
 * With a fallback in the chain the result is typed by the fallback's answer.
 */
export function wrap(...policies: Policy[]): Policy;
// R comes from the outermost policy (the fallback) alone: inferred from the generic policies too, it would be `unknown`.
export function wrap<R>(outermost: TypedPolicy<R>, ...inner: TypedPolicy<NoInfer<R>>[]): TypedPolicy<R>;
export function wrap<R>(...policies: TypedPolicy<R>[]): TypedPolicy<R>;
export function wrap(...policies: TypedPolicy<unknown>[]): TypedPolicy<unknown> {
  if (policies.length === 0) return { execute: (call, signal) => call(signal ?? NEVER_ABORTED) };
  let composed = policies[policies.length - 1];
  for (let i = policies.length - 2; i >= 0; i--) {
    const outer = policies[i];
    const inner = composed;
    composed = { execute: (call, signal) => outer.execute((s) => inner.execute(call, s), signal) };
  }
  return composed;
}
