import type { ProtectedCall } from '../breaker/breaker';
import { BreakerState } from '../breaker/breaker-state';
import { createLocalBreaker, type LocalBreaker } from '../breaker/local-breaker';
import { BulkheadPolicy } from '../bulkhead/bulkhead-policy';
import { BreakerOpenError } from '../errors/breaker-open.error';
import { TimeoutError } from '../errors/timeout.error';
import { fallback, FallbackPolicy } from '../fallback/fallback-policy';
import { retry, RetryPolicy, type RetryScheduled } from '../retry/retry-policy';
import { TimeoutPolicy } from '../timeout/timeout-policy';
import { NEVER_ABORTED, wrap, type AnsweringChain, type Policy, type TypedPolicy } from './policy';
import { advance, clock } from '../../test-support/fake-time';

// True only when A and B are the same type: a plain `extends` would also accept `any` or a wider type.
type Equals<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
const sameType = <A, B>(proof: Equals<A, B>): Equals<A, B> => proof;

/** A policy that writes down when the call enters and leaves it, and passes the signal on. */
function recorder(name: string, log: string[], signals: AbortSignal[] = []): Policy {
  return {
    execute: async <T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T> => {
      log.push(`enter ${name}`);
      if (signal !== undefined) signals.push(signal);
      try {
        return await call(signal ?? NEVER_ABORTED);
      } finally {
        log.push(`exit ${name}`);
      }
    },
  };
}

const breakers: LocalBreaker[] = [];

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});

afterEach(() => {
  for (const breaker of breakers.splice(0)) breaker.dispose();
  jest.useRealTimers();
});

describe('wrap', () => {
  it('runs the policies outermost first: the first one given is entered first and left last', async () => {
    const log: string[] = [];
    const chain = wrap(recorder('outer', log), recorder('middle', log), recorder('inner', log));

    const answer = await chain.execute(async () => {
      log.push('call');
      return 42;
    });

    expect(answer).toBe(42);
    expect(log).toEqual(['enter outer', 'enter middle', 'enter inner', 'call', 'exit inner', 'exit middle', 'exit outer']);
  });

  it('hands the caller’s signal down through every policy to the call', async () => {
    const signals: AbortSignal[] = [];
    const log: string[] = [];
    const controller = new AbortController();
    const chain = wrap(recorder('a', log, signals), recorder('b', log, signals));
    let seenByCall: AbortSignal | undefined;

    await chain.execute(async (signal) => {
      seenByCall = signal;
    }, controller.signal);

    expect(signals).toEqual([controller.signal, controller.signal]);
    expect(seenByCall).toBe(controller.signal);
  });

  it('hands the call the signal an inner policy made, not the caller’s (a timeout’s own signal)', async () => {
    const controller = new AbortController();
    const chain = wrap(recorder('outer', []), new TimeoutPolicy('ledger', 1_000, clock));
    let seenByCall: AbortSignal | undefined;

    await chain.execute(async (signal) => {
      seenByCall = signal;
    }, controller.signal);

    expect(seenByCall).toBeDefined();
    expect(seenByCall).not.toBe(controller.signal);
    expect(seenByCall?.aborted).toBe(false);
  });

  it('with no policies, simply runs the call with the caller’s signal (or a signal that never aborts)', async () => {
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    const empty = wrap();

    await expect(
      empty.execute(async (signal) => {
        seen.push(signal);
        return 'ran';
      }, controller.signal),
    ).resolves.toBe('ran');
    await expect(
      empty.execute(async (signal) => {
        seen.push(signal);
        return 'ran again';
      }),
    ).resolves.toBe('ran again');

    expect(seen[0]).toBe(controller.signal);
    expect(seen[1]).toBe(NEVER_ABORTED);
    expect(seen[1].aborted).toBe(false);
  });

  it('passes a failing call’s error straight out of a chain with no fallback', async () => {
    const log: string[] = [];
    const failure = new Error('ledger down');

    await expect(
      wrap(recorder('a', log), recorder('b', log)).execute(async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(log).toEqual(['enter a', 'enter b', 'exit b', 'exit a']);
  });

  describe('each policy works alone, and wrapped alone it behaves the same', () => {
    const alone: Array<[string, () => Policy]> = [
      ['timeout', () => new TimeoutPolicy('ledger', 1_000, clock)],
      ['bulkhead', () => new BulkheadPolicy('ledger', { maxConcurrent: 1, clock })],
      ['retry', () => new RetryPolicy('ledger', { clock, random: () => 0 })],
      [
        'breaker',
        () => {
          const breaker = createLocalBreaker('ledger', {}, { clock });
          breakers.push(breaker);
          return breaker;
        },
      ],
    ];

    it.each(alone)('%s', async (_name, make) => {
      await expect(make().execute(async () => 'balance: 10')).resolves.toBe('balance: 10');
      await expect(wrap(make()).execute(async () => 'balance: 10')).resolves.toBe('balance: 10');
    });

    it('fallback', async () => {
      const answer = new FallbackPolicy<string>('ledger', () => 'balance unknown');
      await expect(answer.execute(async () => 'balance: 10')).resolves.toBe('balance: 10');
      await expect(
        wrap(answer).execute(async () => {
          throw new Error('down');
        }),
      ).resolves.toBe('balance unknown');
    });
  });

  describe('the full chain: wrap(fallback, retry, breaker, bulkhead, timeout) around a card network', () => {
    function cardNetworkChain(): { chain: TypedPolicy<string>; breaker: LocalBreaker; retries: RetryScheduled[]; fallbackErrors: unknown[] } {
      const fallbackErrors: unknown[] = [];
      const answer = new FallbackPolicy<string>('authorise', (error) => {
        fallbackErrors.push(error);
        return 'declined: try again later';
      });
      const retry = new RetryPolicy('authorise', { maxAttempts: 3, baseMs: 100, capMs: 1_000, clock, random: () => 0.5 });
      const retries: RetryScheduled[] = [];
      retry.onRetry((r) => retries.push(r));
      const breaker = createLocalBreaker(
        'card-network',
        { minimumCalls: 4, failureRateThreshold: 0.5, windowMs: 10_000, windowBuckets: 10, openBaseMs: 5_000, openJitter: 0, slowCallDurationMs: 5_000 },
        { clock, random: () => 0 },
      );
      breakers.push(breaker);
      const bulkhead = new BulkheadPolicy('card-network', { maxConcurrent: 2, maxQueue: 0, clock });
      const timeout = new TimeoutPolicy('card-network', 200, clock);
      // Typed by the fallback: the chain answers with a string whatever happens below.
      const chain: TypedPolicy<string> = wrap(answer, retry, breaker, bulkhead, timeout);
      return { chain, breaker, retries, fallbackErrors };
    }

    it('retries a hung attempt and a failed one, and answers with the third attempt’s result', async () => {
      const { chain, retries, fallbackErrors } = cardNetworkChain();
      let attempts = 0;
      const authorise = (signal: AbortSignal): Promise<string> => {
        attempts++;
        if (attempts === 1) return new Promise<string>(() => undefined); // hangs: the timeout ends it
        if (attempts === 2) return Promise.reject(new Error('503'));
        return Promise.resolve(signal.aborted ? 'aborted?!' : 'authorised');
      };

      const result = chain.execute(authorise);
      await advance(200); // the first attempt times out
      await advance(100); // first backoff: 0.5 x 100 ms
      await advance(100); // second backoff: 0.5 x 200 ms

      const answer: string = await result;
      expect(answer).toBe('authorised');
      expect(attempts).toBe(3);
      expect(retries.map((r) => [r.attempt, r.delayMs])).toEqual([
        [2, 50],
        [3, 100],
      ]);
      expect(retries[0].error).toBeInstanceOf(TimeoutError);
      expect(fallbackErrors).toEqual([]);
    });

    it('when the network keeps failing, trips the breaker, stops retrying the refusal, and answers from the fallback', async () => {
      const { chain, breaker, fallbackErrors } = cardNetworkChain();
      let attempts = 0;
      const failing = async (): Promise<string> => {
        attempts++;
        throw new Error('503');
      };

      // Request 1: three attempts fail (50 ms, 100 ms backoff); the fallback answers.
      const first = chain.execute(failing);
      await advance(150);
      await expect(first).resolves.toBe('declined: try again later');
      expect(attempts).toBe(3);
      expect(breaker.state).toBe(BreakerState.CLOSED);

      // Request 2: the fourth failure trips the breaker; the next attempt is refused, not retried.
      const second = chain.execute(failing);
      await advance(50);
      await expect(second).resolves.toBe('declined: try again later');
      expect(attempts).toBe(4);
      expect(breaker.state).toBe(BreakerState.OPEN);
      expect(fallbackErrors[1]).toBeInstanceOf(BreakerOpenError);

      // Request 3: refused at once, the network untouched.
      await expect(chain.execute(failing)).resolves.toBe('declined: try again later');
      expect(attempts).toBe(4);
      expect(fallbackErrors).toHaveLength(3);
      expect(fallbackErrors[2]).toBeInstanceOf(BreakerOpenError);
    });
  });

  // These are checked by `npm run typecheck` as much as by jest: a chain typed by its fallback
  // alone (as wrap once was) does not compile here.
  describe('types the answer as the call’s own type, widened by what a fallback answers', () => {
    interface Charge {
      id: string;
      status: 'AUTHORIZED' | 'DECLINED';
    }
    const PENDING = { status: 'PENDING_REVIEW' } as const;
    const authorised: Charge = { id: 'ch_1', status: 'AUTHORIZED' };

    function chargeChain() {
      const breaker = createLocalBreaker('provider-a', {}, { clock });
      breakers.push(breaker);
      return wrap(
        fallback('charge', () => PENDING),
        retry('provider-a', { maxAttempts: 1, clock }),
        breaker,
        new BulkheadPolicy('provider-a', { maxConcurrent: 5, clock }),
        new TimeoutPolicy('provider-a', 1_000, clock),
      );
    }

    it('a call returning Charge under a fallback answering PENDING gives Charge | typeof PENDING', async () => {
      const chain = chargeChain();

      const charged = await chain.execute(async (): Promise<Charge> => authorised);
      const fellBack = await chain.execute(async (): Promise<Charge> => {
        throw new Error('provider-a: 503');
      });

      expect(sameType<typeof charged, Charge | typeof PENDING>(true)).toBe(true);
      // @ts-expect-error: the answer may be PENDING, so it is not a Charge until narrowed.
      const notNarrowed: Charge = fellBack;
      expect(notNarrowed).toBe(PENDING);
      expect(charged).toBe(authorised);
      expect(fellBack).toBe(PENDING);
      expect(fellBack.status === 'PENDING_REVIEW' ? 'review' : fellBack.id).toBe('review');
    });

    it('the same chain serves calls of other types, each widened by the same answer', async () => {
      const chain: AnsweringChain<typeof PENDING> = chargeChain();

      const balance = await chain.execute(async () => 1299);

      expect(sameType<typeof balance, number | typeof PENDING>(true)).toBe(true);
      expect(balance).toBe(1299);
    });

    it('a fallback anywhere in the chain widens it, and two fallbacks give the union of their answers', async () => {
      const UNKNOWN = { status: 'UNKNOWN' } as const;
      const inner = wrap(new TimeoutPolicy('provider-a', 1_000, clock), fallback('charge', async () => PENDING));
      const both = wrap(
        fallback('outer', () => UNKNOWN),
        fallback('inner', () => PENDING, () => false),
      );

      const fromInner = await inner.execute(() => Promise.reject(new Error('down')));
      const fromOuter = await both.execute(async (): Promise<Charge> => {
        throw new Error('down');
      });

      expect(sameType<typeof fromInner, typeof PENDING>(true)).toBe(true);
      expect(sameType<typeof fromOuter, Charge | typeof PENDING | typeof UNKNOWN>(true)).toBe(true);
      expect(fromInner).toBe(PENDING);
      expect(fromOuter).toBe(UNKNOWN);
    });

    it('a chain without a fallback answers with exactly the call’s type', async () => {
      const chain = wrap(retry('provider-a', { maxAttempts: 1, clock }), new TimeoutPolicy('provider-a', 1_000, clock));

      const charged = await chain.execute(async (): Promise<Charge> => authorised);

      expect(sameType<typeof charged, Charge>(true)).toBe(true);
      expect(charged).toBe(authorised);
    });
  });
});
