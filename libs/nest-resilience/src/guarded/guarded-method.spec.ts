import { timeout, TimeoutError, wrap, type Policy } from '@breakwater/resilience';
import { guardedMethod } from './guarded-method';

/** Resolves with the signal it was given once that signal aborts, or with 'done' after `ms`. */
function work(ms: number, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('done'), ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

describe('guardedMethod', () => {
  const chain: Policy = wrap(timeout('slow', 50));

  it('hands the chain signal to the last declared parameter, so the timeout cancels the work', async () => {
    const seen: unknown[] = [];
    const method = async function (this: { tag: string }, sku: string, signal?: AbortSignal): Promise<string> {
      seen.push(this.tag, sku, signal instanceof AbortSignal);
      return work(10_000, signal);
    };
    const guarded = guardedMethod(method as (...args: unknown[]) => unknown, chain);

    await expect(guarded.call({ tag: 'svc' }, 'sku-1')).rejects.toBeInstanceOf(TimeoutError);
    expect(seen).toEqual(['svc', 'sku-1', true]);
  });

  it("takes a caller's signal in that place as the chain's outer signal", async () => {
    const method = async (ms: number, signal?: AbortSignal): Promise<string> => work(ms, signal);
    const guarded = guardedMethod(method as (...args: unknown[]) => unknown, wrap(timeout('roomy', 10_000)));
    const caller = new AbortController();

    const running = guarded(10_000, caller.signal);
    caller.abort(new Error('the request was cancelled'));

    await expect(running).rejects.toThrow('the request was cancelled');
    await expect(guarded(1)).resolves.toBe('done');
  });
});
