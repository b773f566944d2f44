import { deadlineOf, registerDeadline, withDeadline, type RequestDeadline } from '../deadline/deadline';
import { InvalidConfigError } from '../errors/config.error';
import { isTimeoutError, TimeoutError } from '../errors/timeout.error';
import { timeout, TimeoutPolicy, type TimedOut } from './timeout-policy';
import { advance, clock, watch } from '../../test-support/fake-time';

/** A downstream that answers after `ms` unless its signal aborts, which it obeys. */
function obedientLedger(ms: number, log: string[]): (signal: AbortSignal) => Promise<string> {
  return (signal) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => resolve('posted'), ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        log.push(`cancelled: ${String((signal.reason as Error).message)}`);
        reject(signal.reason);
      });
    });
}

const deadlines: RequestDeadline[] = [];
const requestBudget = (ms: number, parent?: AbortSignal): RequestDeadline => {
  const d = withDeadline('checkout', ms, parent, clock);
  deadlines.push(d);
  return d;
};

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});

afterEach(() => {
  for (const d of deadlines.splice(0)) d.dispose();
  jest.useRealTimers();
});

describe('TimeoutPolicy', () => {
  it('answers with the call’s result when it finishes within the timeout, and leaves no timer behind', async () => {
    const ledgerTimeout = timeout('ledger', 500, clock);
    const log: string[] = [];

    const result = watch(ledgerTimeout.execute(obedientLedger(300, log)));
    await advance(300);

    expect(result).toEqual({ settled: true, value: 'posted' });
    expect(log).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('aborts the signal handed to the call at the budget: the work sees it and its reason is a TimeoutError', async () => {
    const ledgerTimeout = new TimeoutPolicy('ledger', 500, clock);
    let seen: AbortSignal | undefined;

    const result = watch(
      ledgerTimeout.execute((signal) => {
        seen = signal;
        return new Promise<string>(() => undefined);
      }),
    );
    await advance(499);
    expect(seen?.aborted).toBe(false);
    expect(result.settled).toBe(false);

    await advance(1);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(TimeoutError);
    expect(seen?.reason).toMatchObject({ downstream: 'ledger', budgetMs: 500, limit: 'timeout', code: 'TIMEOUT' });
    expect(result.error).toBe(seen?.reason);
  });

  it('registers the budget on the signal it hands down, so policies below know the deadline', async () => {
    let deadline: number | undefined;
    await advance(1_000);

    await new TimeoutPolicy('ledger', 500, clock).execute(async (signal) => {
      deadline = deadlineOf(signal);
    });

    expect(deadline).toBe(1_500);
  });

  it('cancels obedient work: the ledger call is aborted, not merely abandoned', async () => {
    const log: string[] = [];
    const result = watch(new TimeoutPolicy('ledger', 200, clock).execute(obedientLedger(1_000, log)));

    await advance(200);

    expect(log).toEqual(['cancelled: ledger did not answer within 200 ms (timeout)']);
    expect(isTimeoutError(result.error)).toBe(true);
    await advance(1_000);
    expect(result.value).toBeUndefined();
  });

  it('rejects at the budget even when the call ignores its signal and answers much later', async () => {
    const result = watch(
      new TimeoutPolicy('ledger', 200, clock).execute(
        () => new Promise<string>((resolve) => setTimeout(() => resolve('too late'), 5_000)),
      ),
    );

    await advance(199);
    expect(result.settled).toBe(false);
    await advance(1);
    expect(result.error).toBeInstanceOf(TimeoutError);

    await advance(5_000);
    expect(result.value).toBeUndefined();
  });

  it('passes the call’s own failure through untouched, including one thrown synchronously', async () => {
    const refused = new Error('ledger refused');
    const policy = new TimeoutPolicy('ledger', 200, clock);

    await expect(policy.execute(() => Promise.reject(refused))).rejects.toBe(refused);
    await expect(
      policy.execute(() => {
        throw refused;
      }),
    ).rejects.toBe(refused);
    expect(jest.getTimerCount()).toBe(0);
  });

  describe('under a request deadline', () => {
    it('gets only what is left of the deadline when that is nearer, and says the deadline ran out', async () => {
      const request = requestBudget(1_000);
      await advance(700); // 300 ms of the request left; the ledger's own timeout is 500 ms
      let seen: AbortSignal | undefined;

      const result = watch(
        new TimeoutPolicy('ledger', 500, clock).execute((signal) => {
          seen = signal;
          return new Promise<string>(() => undefined);
        }, request.signal),
      );
      expect(deadlineOf(seen)).toBe(1_000);

      await advance(299);
      expect(result.settled).toBe(false);
      await advance(1);

      expect(result.error).toBeInstanceOf(TimeoutError);
      expect(result.error).toMatchObject({ downstream: 'ledger', budgetMs: 300, limit: 'deadline' });
    });

    it('uses its own timeout when that is nearer, and says the timeout ran out', async () => {
      const request = requestBudget(10_000);

      const result = watch(new TimeoutPolicy('ledger', 500, clock).execute(() => new Promise<string>(() => undefined), request.signal));
      await advance(500);

      expect(result.error).toMatchObject({ budgetMs: 500, limit: 'timeout' });
      expect(request.signal.aborted).toBe(false);
    });

    it('does not start the call at all when the request’s budget is already spent', async () => {
      // The signal carries a deadline that passed at t = 50 (say, set by an upstream hop) but
      // nothing has aborted it: only the clock knows the budget is spent.
      const signal = new AbortController().signal;
      registerDeadline(signal, 50);
      await advance(100);
      const call = jest.fn(async () => 'posted');

      const error: unknown = await new TimeoutPolicy('ledger', 500, clock).execute(call, signal).catch((e: unknown) => e);

      expect(call).not.toHaveBeenCalled();
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ downstream: 'ledger', budgetMs: 0, limit: 'deadline' });
      expect((error as TimeoutError).message).toBe("ledger: the request's deadline had passed; the call was not started");
    });

    it('rejects with the parent’s reason, without calling, when the parent signal is already aborted', async () => {
      const client = new AbortController();
      const hungUp = new Error('client went away');
      client.abort(hungUp);
      const call = jest.fn(async () => 'posted');

      await expect(new TimeoutPolicy('ledger', 500, clock).execute(call, client.signal)).rejects.toBe(hungUp);
      expect(call).not.toHaveBeenCalled();
    });

    it('passes a parent abort on to the work while it runs', async () => {
      const client = new AbortController();
      const log: string[] = [];
      const result = watch(new TimeoutPolicy('ledger', 500, clock).execute(obedientLedger(1_000, log), client.signal));

      await advance(100);
      client.abort(new Error('client went away'));
      await advance(0);

      expect(log).toEqual(['cancelled: client went away']);
      expect((result.error as Error).message).toBe('client went away');
    });

    it('rejects with the parent’s reason at once when the parent aborts, even if the work ignores its signal', async () => {
      const client = new AbortController();
      const result = watch(new TimeoutPolicy('ledger', 500, clock).execute(() => new Promise<string>(() => undefined), client.signal));

      await advance(100);
      client.abort(new Error('client went away'));
      await advance(0);

      expect(result.settled).toBe(true);
      expect((result.error as Error).message).toBe('client went away');
    });

    it('stops listening to the parent once the budget has run out, though the call never settles', async () => {
      const client = new AbortController();
      const added = jest.spyOn(client.signal, 'addEventListener');
      const removed = jest.spyOn(client.signal, 'removeEventListener');
      const result = watch(new TimeoutPolicy('ledger', 200, clock).execute(() => new Promise<string>(() => undefined), client.signal));

      await advance(200);

      expect(result.error).toBeInstanceOf(TimeoutError);
      expect(added).toHaveBeenCalledTimes(1);
      expect(removed).toHaveBeenCalledWith('abort', added.mock.calls[0][1]);
    });
  });

  describe('onTimeout', () => {
    it('announces each timeout with the downstream, the budget and which limit ran out, until disposed', async () => {
      const policy = new TimeoutPolicy('ledger', 200, clock);
      const events: TimedOut[] = [];
      const subscription = policy.onTimeout((e) => events.push(e));
      const hang = (): Promise<string> => new Promise<string>(() => undefined);

      watch(policy.execute(hang));
      await advance(200);
      const request = requestBudget(50);
      watch(policy.execute(hang, request.signal));
      await advance(50);

      expect(events).toEqual([
        { downstream: 'ledger', budgetMs: 200, limit: 'timeout' },
        { downstream: 'ledger', budgetMs: 50, limit: 'deadline' },
      ]);

      subscription.dispose();
      watch(policy.execute(hang));
      await advance(200);
      expect(events).toHaveLength(2);
    });

    it('is silent when the call answers in time', async () => {
      const policy = new TimeoutPolicy('ledger', 200, clock);
      const events: TimedOut[] = [];
      policy.onTimeout((e) => events.push(e));

      await policy.execute(async () => 'posted');
      await advance(1_000);

      expect(events).toEqual([]);
    });
  });

  // 2^31 ms and more: Node would fire the timer at once and every call would time out.
  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31])('refuses a timeoutMs of %p with InvalidConfigError', (timeoutMs) => {
    const make = (): TimeoutPolicy => new TimeoutPolicy('ledger', timeoutMs, clock);

    expect(make).toThrow(InvalidConfigError);
    expect(make).toThrow(/timeout ledger: timeoutMs must be a number of milliseconds from 1 to 2147483647/);
  });
});
