import type { ProtectedCall } from '../breaker/breaker';
import { NEVER_ABORTED } from '../never-aborted';

export { NEVER_ABORTED } from '../never-aborted';

/**
 * Anything that runs a call on the caller's behalf: a breaker, a bulkhead, a timeout, a retry.
 * The signal carries cancellation and, through `deadline.ts`, the request's deadline.
 */
export interface Policy {
  execute<T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T>;
}

/**
 * A policy that may answer on the call's behalf with an `F` of its own: a fallback. A call
 * returning `T` then gives `T | F`, so a `PENDING` marker need not pretend to be a `Charge`.
 */
export interface AnsweringPolicy<F> {
  execute<T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T | F>;
  // `wrap` reads the answer's type from here: a generic `execute` alone does not let TypeScript infer `F`.
  readonly handler: (error: unknown, signal: AbortSignal | undefined) => F | Promise<F>;
}

/** A chain with one or more answering policies in it: a call returning `T` gives `T | F`. */
export interface AnsweringChain<F> {
  execute<T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T | F>;
}

/** A policy for calls of one result type only. */
export interface TypedPolicy<R> {
  execute(call: ProtectedCall<R>, signal?: AbortSignal): Promise<R>;
}

/** What the answering policies among `P` may answer with; `never` for the others. */
export type AnswerOf<P> = P extends { readonly handler: (...args: never[]) => infer A } ? Awaited<A> : never;

/**
 * Composes policies, outermost first: `wrap(fallback, retry, breaker, bulkhead, timeout)` runs
 * the fallback around the retry around the breaker ... around the timeout around the call.
 * The chain answers with the call's own type, widened by what any fallback in it answers.
 */
export function wrap(...policies: Policy[]): Policy;
export function wrap<P extends ReadonlyArray<Policy | AnsweringPolicy<unknown>>>(...policies: P): AnsweringChain<AnswerOf<P[number]>>;
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
