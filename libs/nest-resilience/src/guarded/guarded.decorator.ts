import { SetMetadata } from '@nestjs/common';

/** Metadata key on a provider method: the downstream whose chain guards it. */
export const GUARDED_BY = 'breakwater:guarded-by';

type LastOf<A extends unknown[]> = A extends [...infer _Head, infer L] ? L : A extends [...infer _Rest, (infer O)?] ? O | undefined : never;
/** True when the last parameter is `signal?: AbortSignal` (or `signal: AbortSignal`). */
export type TakesSignalLast<A extends unknown[]> = AbortSignal extends LastOf<A> ? (LastOf<A> extends AbortSignal | undefined ? true : false) : false;

/** What the compiler names when a guarded method does not end with `signal?: AbortSignal`. */
interface GuardedMethodMustTakeSignalLast {
  'a @Guarded method takes signal?: AbortSignal as its last parameter': never;
}

/**
 * Runs the provider method through the named downstream's policy chain:
 *
 *   @Guarded('inventory')
 *   async stock(sku: string, signal?: AbortSignal): Promise<Stock> { ... fetch(url, { signal }) }
 *
 * The method's last parameter is the chain's signal (aborted by the timeout, within the caller's
 * deadline); a caller may pass a signal of its own there (a request deadline), which the chain
 * honours. An open breaker rejects with BreakerOpenError without running the method.
 * Singleton providers only: BreakwaterModule wraps their methods when the application starts.
 */
export function Guarded(downstream: string) {
  return <A extends unknown[], R>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<(...args: A) => Promise<R>> & (TakesSignalLast<A> extends true ? unknown : GuardedMethodMustTakeSignalLast),
  ): void => {
    SetMetadata(GUARDED_BY, downstream)(target, key, descriptor);
  };
}
