import { BreakerOpenError, isBreakerOpenError } from '../errors/breaker-open.error';
import { fallback, FallbackPolicy, type FallbackUsed } from './fallback-policy';

interface Recommendations {
  items: string[];
  personalised: boolean;
}

const BESTSELLERS: Recommendations = { items: ['kettle', 'toaster'], personalised: false };
const personalised = async (): Promise<Recommendations> => ({ items: ['tent', 'stove'], personalised: true });

describe('FallbackPolicy', () => {
  it('passes the call’s answer through when it succeeds, without calling the handler', async () => {
    const handler = jest.fn(() => BESTSELLERS);
    const policy = new FallbackPolicy<Recommendations>('recommendations', handler);

    await expect(policy.execute(personalised)).resolves.toEqual({ items: ['tent', 'stove'], personalised: true });
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers with the handler when the call fails, handing it the original error and the caller’s signal', async () => {
    const outage = new Error('recommendation engine down');
    const controller = new AbortController();
    const seen: Array<[unknown, AbortSignal | undefined]> = [];
    const policy = fallback<Recommendations>('recommendations', (error, signal) => {
      seen.push([error, signal]);
      return BESTSELLERS;
    });

    const answer = await policy.execute(async () => {
      throw outage;
    }, controller.signal);

    expect(answer).toBe(BESTSELLERS);
    expect(seen).toEqual([[outage, controller.signal]]);
  });

  it('waits for an asynchronous handler, and lets the handler’s own failure out', async () => {
    const policy = fallback<Recommendations>('recommendations', async () => ({ items: ['from cache'], personalised: false }));
    await expect(policy.execute(() => Promise.reject(new Error('down')))).resolves.toEqual({ items: ['from cache'], personalised: false });

    const cacheDown = new Error('cache down too');
    const broken = fallback<Recommendations>('recommendations', async () => {
      throw cacheDown;
    });
    await expect(broken.execute(() => Promise.reject(new Error('down')))).rejects.toBe(cacheDown);
  });

  it('with a handles predicate, answers only for the errors it accepts and lets the others through', async () => {
    const policy = fallback<Recommendations>('recommendations', () => BESTSELLERS, isBreakerOpenError);
    const open = new BreakerOpenError('recommendations', 'OPEN', 2_000);
    const badRequest = new Error('400: unknown customer');

    await expect(policy.execute(() => Promise.reject(open))).resolves.toBe(BESTSELLERS);
    await expect(policy.execute(() => Promise.reject(badRequest))).rejects.toBe(badRequest);
  });

  it('hands the call the caller’s signal, or one that never aborts', async () => {
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    const policy = fallback<string>('recommendations', () => 'none');

    await policy.execute(async (signal) => {
      seen.push(signal);
      return 'x';
    }, controller.signal);
    await policy.execute(async (signal) => {
      seen.push(signal);
      return 'y';
    });

    expect(seen[0]).toBe(controller.signal);
    expect(seen[1].aborted).toBe(false);
  });

  it('announces each use with the error it stood in for, not the errors it let through, until disposed', async () => {
    const policy = fallback<Recommendations>('recommendations', () => BESTSELLERS, (e) => e instanceof BreakerOpenError);
    const events: FallbackUsed[] = [];
    const subscription = policy.onFallback((e) => events.push(e));
    const open = new BreakerOpenError('recommendations', 'OPEN', 2_000);

    await policy.execute(personalised);
    await policy.execute(() => Promise.reject(open));
    await policy.execute(() => Promise.reject(new Error('400'))).catch(() => undefined);

    expect(events).toEqual([{ policy: 'recommendations', error: open }]);

    subscription.dispose();
    await policy.execute(() => Promise.reject(open));
    expect(events).toHaveLength(1);
  });
});
