import { TimeoutError } from '../errors/timeout.error';
import { deadlineOf, registerDeadline, remainingMs, withDeadline, type RequestDeadline } from './deadline';
import { advance, clock } from '../../test-support/fake-time';

const deadlines: RequestDeadline[] = [];
/** A request budget that the test disposes of afterwards. */
function budget(name: string, budgetMs: number, parent?: AbortSignal): RequestDeadline {
  const d = withDeadline(name, budgetMs, parent, clock);
  deadlines.push(d);
  return d;
}

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});

afterEach(() => {
  for (const d of deadlines.splice(0)) d.dispose();
  jest.useRealTimers();
});

describe('request deadlines', () => {
  describe('deadlineOf and remainingMs', () => {
    it('a plain signal, or none, has no deadline and infinite time left', () => {
      const plain = new AbortController().signal;

      expect(deadlineOf(plain)).toBeUndefined();
      expect(deadlineOf(undefined)).toBeUndefined();
      expect(remainingMs(plain, clock)).toBe(Number.POSITIVE_INFINITY);
      expect(remainingMs(undefined, clock)).toBe(Number.POSITIVE_INFINITY);
    });

    it('a registered signal counts down with the clock, past zero once the deadline has gone', async () => {
      const signal = new AbortController().signal;
      registerDeadline(signal, 500);

      expect(deadlineOf(signal)).toBe(500);
      expect(remainingMs(signal, clock)).toBe(500);
      await advance(200);
      expect(remainingMs(signal, clock)).toBe(300);
      await advance(400);
      expect(remainingMs(signal, clock)).toBe(-100);
    });
  });

  describe('withDeadline', () => {
    it('gives a checkout request 800 ms: its signal aborts with a TimeoutError (limit deadline) at 800 ms, not before', async () => {
      const checkout = budget('checkout', 800);

      expect(deadlineOf(checkout.signal)).toBe(800);
      expect(remainingMs(checkout.signal, clock)).toBe(800);

      await advance(799);
      expect(checkout.signal.aborted).toBe(false);
      expect(remainingMs(checkout.signal, clock)).toBe(1);

      await advance(1);
      expect(checkout.signal.aborted).toBe(true);
      const reason: unknown = checkout.signal.reason;
      expect(reason).toBeInstanceOf(TimeoutError);
      expect(reason).toMatchObject({ code: 'TIMEOUT', downstream: 'checkout', budgetMs: 800, limit: 'deadline' });
    });

    it('a nested deadline takes the nearer of its own budget and its parent’s', async () => {
      const request = budget('checkout', 1_000);
      await advance(300);

      const generous = budget('fraud-check', 5_000, request.signal); // parent has 700 ms left
      const tight = budget('ledger', 200, request.signal); // nearer than the parent

      expect(deadlineOf(generous.signal)).toBe(1_000);
      expect(remainingMs(generous.signal, clock)).toBe(700);
      expect(deadlineOf(tight.signal)).toBe(500);
      expect(remainingMs(tight.signal, clock)).toBe(200);

      await advance(200);
      expect(tight.signal.aborted).toBe(true);
      expect(tight.signal.reason).toMatchObject({ downstream: 'ledger', limit: 'deadline' });
      expect(generous.signal.aborted).toBe(false);
      expect(request.signal.aborted).toBe(false);

      await advance(500);
      expect(request.signal.aborted).toBe(true);
      expect(generous.signal.aborted).toBe(true);
    });

    it('aborts with the parent’s reason when the parent aborts first (the client hung up)', async () => {
      const client = new AbortController();
      const request = budget('checkout', 1_000, client.signal);
      const hungUp = new Error('client closed the connection');

      await advance(100);
      client.abort(hungUp);

      expect(request.signal.aborted).toBe(true);
      expect(request.signal.reason).toBe(hungUp);
    });

    it('is aborted from the start when the parent already is', () => {
      const client = new AbortController();
      const hungUp = new Error('gone');
      client.abort(hungUp);

      const request = budget('checkout', 1_000, client.signal);

      expect(request.signal.aborted).toBe(true);
      expect(request.signal.reason).toBe(hungUp);
    });

    it('dispose stops the timer: a finished request’s signal never aborts, and no timer is left behind', async () => {
      const checkout = withDeadline('checkout', 800, undefined, clock);
      expect(jest.getTimerCount()).toBe(1);

      checkout.dispose();

      expect(jest.getTimerCount()).toBe(0);
      await advance(10_000);
      expect(checkout.signal.aborted).toBe(false);
    });

    it('after dispose, the parent aborting no longer reaches the child', () => {
      const client = new AbortController();
      const checkout = withDeadline('checkout', 800, client.signal, clock);

      checkout.dispose();
      client.abort(new Error('gone'));

      expect(checkout.signal.aborted).toBe(false);
    });
  });
});

describe('notStartedReason', () => {
  it('turns a deadline that ran out into "the call never started", and leaves other reasons alone', async () => {
    const { notStartedReason } = await import('./deadline');
    const ran = new TimeoutError('checkout', 5_000, 'deadline');
    const other = new Error('client went away');

    const converted = notStartedReason(ran);
    expect(converted).toBeInstanceOf(TimeoutError);
    expect(converted).toMatchObject({ downstream: 'checkout', budgetMs: 0, limit: 'deadline', started: false });
    expect(notStartedReason(other)).toBe(other);
  });
});
