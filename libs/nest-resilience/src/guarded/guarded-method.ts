import type { Policy } from '@breakwater/resilience';

type AsyncMethod = (...args: unknown[]) => unknown;

/**
 * `method` run through `chain`: its last declared parameter receives the chain's signal; an
 * AbortSignal the caller passed in that place becomes the chain's outer signal (a deadline).
 */
export function guardedMethod(method: AsyncMethod, chain: Policy): AsyncMethod {
  const signalAt = method.length - 1;
  return function guarded(this: unknown, ...args: unknown[]): Promise<unknown> {
    const given = args[signalAt];
    const outer = given instanceof AbortSignal ? given : undefined;
    return chain.execute((signal) => {
      const withSignal = [...args];
      withSignal.length = Math.max(withSignal.length, signalAt + 1);
      withSignal[signalAt] = signal;
      return Promise.resolve(method.apply(this, withSignal));
    }, outer);
  };
}
