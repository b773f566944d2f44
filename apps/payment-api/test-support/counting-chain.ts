import { NEVER_ABORTED, type Policy } from '@breakwater/resilience';

/**
 * For specs: a policy chain that runs the call and counts what it saw, which is what a breaker,
 * bulkhead or retry budget in its place would count.
 */
export function countingChain(): Policy & { calls: number; failures: number } {
  const chain = {
    calls: 0,
    failures: 0,
    async execute<T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
      chain.calls++;
      try {
        return await call(signal ?? NEVER_ABORTED);
      } catch (error) {
        chain.failures++;
        throw error;
      }
    },
  };
  return chain;
}
