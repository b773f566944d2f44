import { BulkheadRejectedError } from '../errors/bulkhead-rejected.error';
import { TimeoutError } from '../errors/timeout.error';
import { advance, clock } from '../../test-support/fake-time';
import {
  BreakerOpenError,
  BreakerState,
  createLocalBreaker,
  isBreakerOpenError,
  SLOW_CALL_SWEEP_INTERVAL_MS,
  type BreakerConfig,
  type CallRecorded,
  type CallRejected,
  type LocalBreaker,
  type LocalBreakerOptions,
  type StateChange,
} from '@breakwater/resilience';

// The breaker reads the fake timers' clock, so the breaker and its slow-call sweep agree on the
// time: `advance(ms)` moves both, firing each sweep at its own instant, in order.

// Small numbers that read easily: ten calls make a verdict, one second is slow, and the open
// interval goes 1 s, 2 s, 4 s, 8 s (capped), with no jitter unless a test asks for it.
const SMALL: Partial<BreakerConfig> = {
  minimumCalls: 10,
  failureRateThreshold: 0.5,
  slowCallRateThreshold: 0.5,
  slowCallDurationMs: 1_000,
  windowMs: 10_000,
  windowBuckets: 10,
  consecutiveFailures: 0,
  openBaseMs: 1_000,
  openMultiplier: 2,
  openMaxMs: 8_000,
  openJitter: 0,
  halfOpenPermits: 3,
  halfOpenSuccessThreshold: 2,
  halfOpenMaxWaitMs: 5_000,
};

const downstreamError = new Error('503 from the card network');
const ok = async (): Promise<string> => 'ok';
const failing = async (): Promise<string> => {
  throw downstreamError;
};
/** A downstream that answers after `ms` of (fake) time. */
const answersAfter =
  (ms: number) =>
  (): Promise<string> =>
    new Promise((resolve) => setTimeout(() => resolve('ok'), ms));
/** A downstream that never answers. */
const hangs = (): Promise<string> => new Promise<string>(() => undefined);

/** A call whose end the test decides. */
function controlled(): { call: () => Promise<string>; succeed: () => void; fail: (error: unknown) => void } {
  let succeed!: () => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<string>((resolve, reject) => {
    succeed = () => resolve('ok');
    fail = reject;
  });
  return { call: () => promise, succeed: () => succeed(), fail: (error) => fail(error) };
}

const breakers: LocalBreaker[] = [];

/** A breaker over the card network, and the story of its state changes as one line per change. */
function cardNetworkBreaker(config: Partial<BreakerConfig> = {}, options: LocalBreakerOptions = {}): { breaker: LocalBreaker; story: string[]; changes: StateChange[] } {
  const breaker = createLocalBreaker('card-network', { ...SMALL, ...config }, { clock, random: () => 0, ...options });
  breakers.push(breaker);
  const changes: StateChange[] = [];
  const story: string[] = [];
  breaker.onStateChange((change) => {
    changes.push(change);
    story.push(`${change.from} -> ${change.to} (${change.reason})`);
  });
  return { breaker, story, changes };
}

async function callsThatSucceed(breaker: LocalBreaker, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await expect(breaker.execute(ok)).resolves.toBe('ok');
}

async function callsThatFail(breaker: LocalBreaker, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await expect(breaker.execute(failing)).rejects.toBe(downstreamError);
}

/** The BreakerOpenError a call was refused with (fails the test if it was not refused). */
async function refusal(call: Promise<unknown>): Promise<BreakerOpenError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof BreakerOpenError)) throw new Error(`expected the breaker to refuse the call, got ${String(error)}`);
  return error;
}

/** Trips a fresh breaker on ten failures; it is then OPEN for the first step of the backoff. */
async function trip(breaker: LocalBreaker): Promise<void> {
  await callsThatFail(breaker, 10);
  expect(breaker.state).toBe(BreakerState.OPEN);
}

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});

afterEach(() => {
  for (const breaker of breakers.splice(0)) breaker.dispose();
  jest.useRealTimers();
});

describe('LocalBreaker', () => {
  describe('while CLOSED', () => {
    it('runs calls and hands back their results, passing on the caller’s abort signal', async () => {
      const { breaker } = cardNetworkBreaker();
      const controller = new AbortController();
      const seen: AbortSignal[] = [];
      const authorise = async (signal: AbortSignal): Promise<string> => {
        seen.push(signal);
        return 'authorised';
      };

      await expect(breaker.execute(authorise, controller.signal)).resolves.toBe('authorised');
      await expect(breaker.execute(authorise)).resolves.toBe('authorised');

      expect(seen[0]).toBe(controller.signal);
      expect(seen[1].aborted).toBe(false);
      expect(breaker.state).toBe(BreakerState.CLOSED);
    });

    it('stays CLOSED while the window holds fewer than minimumCalls calls, however bad they are', async () => {
      const { breaker, story } = cardNetworkBreaker();

      await callsThatFail(breaker, 9);

      expect(breaker.state).toBe(BreakerState.CLOSED);
      expect(breaker.snapshot()).toMatchObject({ calls: 9, failures: 9, failureRate: 1 });
      expect(story).toEqual([]);

      await callsThatFail(breaker, 1);

      expect(story).toEqual(['CLOSED -> OPEN (failure-rate)']);
    });

    it('trips on the success that brings the window to minimumCalls when the failure rate is already over the threshold', async () => {
      const { breaker, story } = cardNetworkBreaker();

      await callsThatFail(breaker, 9);
      expect(breaker.state).toBe(BreakerState.CLOSED);
      await callsThatSucceed(breaker, 1); // 9 / 10: the rule is met by the window, whatever call completed it

      expect(story).toEqual(['CLOSED -> OPEN (failure-rate)']);
      expect(breaker.snapshot().lastTrip).toMatchObject({ reason: 'failure-rate', calls: 10, failures: 9 });
    });

    it('trips when the failure rate reaches the threshold exactly, not before', async () => {
      const { breaker, story } = cardNetworkBreaker();

      await callsThatSucceed(breaker, 6);
      await callsThatFail(breaker, 4); // 4 / 10
      await callsThatFail(breaker, 1); // 5 / 11

      expect(breaker.state).toBe(BreakerState.CLOSED);
      expect(breaker.snapshot().failureRate).toBeCloseTo(5 / 11);

      await callsThatFail(breaker, 1); // 6 / 12 = 0.5

      expect(story).toEqual(['CLOSED -> OPEN (failure-rate)']);
    });

    it('trips on the slow-call rate although every call succeeds, as soon as the calls cross the line', async () => {
      const { breaker, story } = cardNetworkBreaker();
      await callsThatSucceed(breaker, 5);

      const slow = [1, 2, 3, 4, 5].map(() => breaker.execute(answersAfter(1_200)));
      await advance(999);
      expect(breaker.state).toBe(BreakerState.CLOSED);
      await advance(1); // t = 1000: the sweep counts five slow calls of ten

      expect(story).toEqual(['CLOSED -> OPEN (slow-call-rate)']);

      await advance(200);
      await expect(Promise.all(slow)).resolves.toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
      expect(breaker.snapshot()).toMatchObject({ state: BreakerState.OPEN, retryAfterMs: 800 });
    });

    it('counts a call that ends just past the slow threshold, between two sweeps, as slow', async () => {
      const { breaker } = cardNetworkBreaker();
      void breaker.execute(hangs); // starts the sweep at t = 0: it looks at t = 1000, 1050, ...
      await advance(10);

      const late = breaker.execute(answersAfter(1_010)); // runs from t = 10 to t = 1020
      await advance(1_010);

      await expect(late).resolves.toBe('ok');
      expect(breaker.snapshot()).toMatchObject({ calls: 2, slowCalls: 2, failures: 0 }); // the hung one and this one
    });

    it('trips after consecutiveFailures failures in a row whatever the rate, for low traffic', async () => {
      const { breaker, story } = cardNetworkBreaker({ consecutiveFailures: 3, minimumCalls: 100 });

      await callsThatFail(breaker, 2);
      await callsThatSucceed(breaker, 1); // breaks the run
      await callsThatFail(breaker, 2);

      expect(breaker.state).toBe(BreakerState.CLOSED);

      await callsThatFail(breaker, 1);

      expect(story).toEqual(['CLOSED -> OPEN (consecutive-failures)']);
    });

    it('forgets failures once they have slid out of the window', async () => {
      const { breaker } = cardNetworkBreaker();
      await callsThatFail(breaker, 9);

      await advance(9_999);
      expect(breaker.snapshot().calls).toBe(9);
      await advance(1);
      expect(breaker.snapshot().calls).toBe(0);

      await callsThatFail(breaker, 1); // would have been the tenth failure
      expect(breaker.state).toBe(BreakerState.CLOSED);
    });
  });

  describe('deciding what counts as a failure', () => {
    class CardDeclined extends Error {}

    it('does not count errors the isFailure predicate excludes, but still hands them to the caller', async () => {
      const { breaker } = cardNetworkBreaker({ isFailure: (error) => !(error instanceof CardDeclined) });
      const recorded: CallRecorded[] = [];
      breaker.onCallRecorded((r) => recorded.push(r));
      const declined = new CardDeclined('insufficient funds');

      for (let i = 0; i < 20; i++) await expect(breaker.execute(() => Promise.reject(declined))).rejects.toBe(declined);

      expect(breaker.state).toBe(BreakerState.CLOSED);
      expect(breaker.snapshot()).toMatchObject({ calls: 20, failures: 0, failureRate: 0 });
      expect(recorded[0]).toMatchObject({ kind: 'call', failed: false, error: declined });
    });

    it('still counts the errors the predicate does not exclude', async () => {
      const { breaker, story } = cardNetworkBreaker({ isFailure: (error) => !(error instanceof CardDeclined) });

      await callsThatFail(breaker, 10);

      expect(story).toEqual(['CLOSED -> OPEN (failure-rate)']);
    });

    it('counts a full bulkhead or a deadline spent before the call started as nothing at all', async () => {
      const { breaker, story } = cardNetworkBreaker();
      const recorded: CallRecorded[] = [];
      breaker.onCallRecorded((r) => recorded.push(r));
      const full = new BulkheadRejectedError('card-network', 'full', 10);
      const notStarted = new TimeoutError('card-network', 0, 'deadline', false);

      for (let i = 0; i < 10; i++) await expect(breaker.execute(() => Promise.reject(i % 2 === 0 ? full : notStarted))).rejects.toBeDefined();
      await callsThatFail(breaker, 4);

      expect(story).toEqual([]); // 4 real failures are under minimumCalls; the 10 refusals counted nothing
      expect(breaker.snapshot()).toMatchObject({ calls: 4, failures: 4 });
      expect(recorded[0]).toMatchObject({ failed: false, ignored: true });
    });

    it('counts an error as a failure when the predicate itself throws, so a bug there cannot hide an outage', async () => {
      const { breaker, story } = cardNetworkBreaker({
        isFailure: () => {
          throw new TypeError('cannot read properties of undefined');
        },
      });

      await callsThatFail(breaker, 10); // the caller gets the downstream's error, not the predicate's

      expect(story).toEqual(['CLOSED -> OPEN (failure-rate)']);
    });
  });

  describe('while OPEN', () => {
    it('refuses calls without invoking the downstream, saying which breaker, its state and when to retry', async () => {
      const { breaker } = cardNetworkBreaker();
      await trip(breaker);
      const downstream = jest.fn(ok);

      const error = await refusal(breaker.execute(downstream));

      expect(downstream).not.toHaveBeenCalled();
      expect(error).toBeInstanceOf(BreakerOpenError);
      expect(isBreakerOpenError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'BREAKER_OPEN', breaker: 'card-network', state: BreakerState.OPEN, retryAfterMs: 1_000, name: 'BreakerOpenError' });
      expect(error.message).toBe('breaker card-network is OPEN; retry after 1000 ms');

      await advance(400);

      await expect(refusal(breaker.execute(downstream))).resolves.toMatchObject({ retryAfterMs: 600 });
      expect(downstream).not.toHaveBeenCalled();
    });

    it('stays OPEN for the whole open interval, then lets the next call through as a probe in HALF_OPEN', async () => {
      const { breaker, story } = cardNetworkBreaker();
      await trip(breaker);

      await advance(999);
      await refusal(breaker.execute(ok));
      await advance(1);
      const probe = controlled();
      const running = breaker.execute(probe.call);

      expect(breaker.state).toBe(BreakerState.HALF_OPEN);
      expect(story).toEqual(['CLOSED -> OPEN (failure-rate)', 'OPEN -> HALF_OPEN (open-interval-elapsed)']);
      probe.succeed();
      await expect(running).resolves.toBe('ok');
    });

    it('shortens the open interval by the jitter drawn from the injected random source', async () => {
      const { breaker } = cardNetworkBreaker({ openJitter: 0.5 }, { random: () => 0.5 });

      await trip(breaker);

      expect(breaker.snapshot().retryAfterMs).toBe(750);
    });
  });

  describe('while HALF_OPEN', () => {
    /** Trips the breaker, waits out the open interval and starts `count` probes that the test ends. */
    async function halfOpenWithProbes(breaker: LocalBreaker, count: number): Promise<{ probes: ReturnType<typeof controlled>[]; running: Promise<string>[] }> {
      await trip(breaker);
      await advance(1_000);
      const probes = Array.from({ length: count }, () => controlled());
      const running = probes.map((p) => breaker.execute(p.call));
      return { probes, running };
    }

    it('lets exactly halfOpenPermits probes through and refuses the rest until a verdict', async () => {
      const { breaker } = cardNetworkBreaker();
      const { running } = await halfOpenWithProbes(breaker, 3);
      const extra = jest.fn(ok);

      const first = await refusal(breaker.execute(extra));
      await advance(300);
      const second = await refusal(breaker.execute(extra));

      expect(running).toHaveLength(3);
      expect(extra).not.toHaveBeenCalled();
      expect(first).toMatchObject({ state: BreakerState.HALF_OPEN, retryAfterMs: 5_000 });
      expect(second).toMatchObject({ state: BreakerState.HALF_OPEN, retryAfterMs: 4_700 });
    });

    it('gives a probe’s permit back when the probe never reached the downstream, and does not close on it', async () => {
      const { breaker, story } = cardNetworkBreaker();
      const { probes, running } = await halfOpenWithProbes(breaker, 3);
      const full = new BulkheadRejectedError('card-network', 'full', 10);

      probes[0].fail(full);
      await expect(running[0]).rejects.toBe(full);
      const replacement = controlled();
      const admitted = breaker.execute(replacement.call);
      replacement.succeed();

      await expect(admitted).resolves.toBe('ok');
      expect(breaker.state).toBe(BreakerState.HALF_OPEN);
      expect(story).toEqual(['CLOSED -> OPEN (failure-rate)', 'OPEN -> HALF_OPEN (open-interval-elapsed)']);
    });

    it('closes once halfOpenSuccessThreshold probes have succeeded, and ignores the probe still out', async () => {
      const { breaker, story } = cardNetworkBreaker();
      const { probes, running } = await halfOpenWithProbes(breaker, 3);

      probes[0].succeed();
      await running[0];
      expect(breaker.state).toBe(BreakerState.HALF_OPEN);

      probes[1].succeed();
      await running[1];
      expect(story.at(-1)).toBe('HALF_OPEN -> CLOSED (probes-succeeded)');

      probes[2].fail(downstreamError);
      await expect(running[2]).rejects.toBe(downstreamError);
      expect(breaker.state).toBe(BreakerState.CLOSED);
      expect(breaker.snapshot()).toMatchObject({ calls: 0, failures: 0 });
      await callsThatSucceed(breaker, 1);
    });

    it('reopens on one failed probe, even after a success', async () => {
      const { breaker, story } = cardNetworkBreaker();
      const { probes, running } = await halfOpenWithProbes(breaker, 2);

      probes[0].succeed();
      await running[0];
      probes[1].fail(downstreamError);
      await expect(running[1]).rejects.toBe(downstreamError);

      expect(story.at(-1)).toBe('HALF_OPEN -> OPEN (probe-failed)');
    });

    it('reopens on a failed probe for the next, longer step of the backoff, up to the cap', async () => {
      const { breaker } = cardNetworkBreaker();
      await trip(breaker);
      const intervals = [breaker.snapshot().retryAfterMs];

      for (let i = 0; i < 4; i++) {
        await advance(intervals[intervals.length - 1]);
        await callsThatFail(breaker, 1); // the probe
        intervals.push(breaker.snapshot().retryAfterMs);
      }

      expect(intervals).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    });

    it('starts the backoff again from its base after a close', async () => {
      const { breaker } = cardNetworkBreaker();
      await trip(breaker);
      await advance(1_000);
      await callsThatFail(breaker, 1); // probe fails: 2 s
      await advance(2_000);
      await callsThatSucceed(breaker, 2); // probes succeed: CLOSED
      expect(breaker.state).toBe(BreakerState.CLOSED);

      await trip(breaker);

      expect(breaker.snapshot().retryAfterMs).toBe(1_000);
    });

    it('counts a hung probe as failed once the sweep sees it pass the slow threshold', async () => {
      const { breaker, story } = cardNetworkBreaker();
      await trip(breaker);
      await advance(1_000);
      void [breaker.execute(hangs), breaker.execute(hangs)];

      await advance(999);
      expect(breaker.state).toBe(BreakerState.HALF_OPEN);
      await advance(1);

      expect(story.at(-1)).toBe('HALF_OPEN -> OPEN (probe-failed)');
      expect(breaker.snapshot().retryAfterMs).toBe(2_000);
    });

    it('counts a slow probe as failed although it succeeded, and its caller still gets the answer', async () => {
      const { breaker, story } = cardNetworkBreaker();
      await trip(breaker);
      await advance(1_000);

      const probe = breaker.execute(answersAfter(1_500));
      await advance(1_500);

      await expect(probe).resolves.toBe('ok');
      expect(story.at(-1)).toBe('HALF_OPEN -> OPEN (probe-failed)');
      expect(breaker.state).toBe(BreakerState.OPEN);
    });

    it('counts a probe that ends slow as failed even when no sweep saw it running', async () => {
      const { breaker, story } = cardNetworkBreaker({}, { slowCallSweepIntervalMs: 60_000 });
      await trip(breaker);
      await advance(1_000);

      const probe = breaker.execute(answersAfter(1_000));
      await advance(1_000);

      await expect(probe).resolves.toBe('ok');
      expect(story.at(-1)).toBe('HALF_OPEN -> OPEN (probe-failed)');
    });

    it('reopens after halfOpenMaxWaitMs when every permit is out and no probe ever comes back', async () => {
      // A sweep too rare to judge the probes: only the half-open deadline can get the breaker out.
      const { breaker, story } = cardNetworkBreaker({}, { slowCallSweepIntervalMs: 60_000 });
      await trip(breaker);
      await advance(1_000);
      void [breaker.execute(hangs), breaker.execute(hangs), breaker.execute(hangs)];

      await advance(4_999);
      await expect(refusal(breaker.execute(ok))).resolves.toMatchObject({ state: BreakerState.HALF_OPEN, retryAfterMs: 1 });
      await advance(1);
      const error = await refusal(breaker.execute(ok));

      expect(story.at(-1)).toBe('HALF_OPEN -> OPEN (half-open-expired)');
      expect(error).toMatchObject({ state: BreakerState.OPEN, retryAfterMs: 2_000 });

      await advance(2_000);
      await callsThatSucceed(breaker, 2); // a fresh set of permits
      expect(breaker.state).toBe(BreakerState.CLOSED);
    });
  });

  describe('when the downstream hangs', () => {
    it('trips through the sweep although no call ever completed', async () => {
      const { breaker, story } = cardNetworkBreaker();
      const recorded = jest.fn();
      breaker.onCallRecorded(recorded);
      for (let i = 0; i < 10; i++) void breaker.execute(hangs);

      await advance(999);
      expect(breaker.state).toBe(BreakerState.CLOSED);
      expect(breaker.snapshot().calls).toBe(0); // running calls are not counted until they end or turn slow

      await advance(1);

      expect(story).toEqual(['CLOSED -> OPEN (slow-call-rate)']);
      expect(recorded).not.toHaveBeenCalled();
      const downstream = jest.fn(ok);
      await refusal(breaker.execute(downstream));
      expect(downstream).not.toHaveBeenCalled();
    });

    it('notices calls that started later on a later sweep', async () => {
      const { breaker } = cardNetworkBreaker({ minimumCalls: 4 });
      void [breaker.execute(hangs), breaker.execute(hangs)];
      await advance(30);
      void [breaker.execute(hangs), breaker.execute(hangs)];

      await advance(970); // t = 1000: the first two are slow, the others have run 970 ms
      expect(breaker.snapshot()).toMatchObject({ calls: 2, slowCalls: 2, state: BreakerState.CLOSED });
      await advance(SLOW_CALL_SWEEP_INTERVAL_MS); // t = 1050

      expect(breaker.state).toBe(BreakerState.OPEN);
    });
  });

  describe('a call admitted in an earlier episode', () => {
    it('does not count when it ends after the breaker has tripped and closed again', async () => {
      // One failure in a row trips this breaker: had the late failure counted, it would be OPEN.
      // A long slow threshold, so no sweep marks the late call slow first: it simply fails, late.
      const { breaker, story } = cardNetworkBreaker({ consecutiveFailures: 1, minimumCalls: 100, slowCallDurationMs: 3_000 });
      const late = controlled();
      const lateCall = breaker.execute(late.call); // admitted while CLOSED
      await callsThatFail(breaker, 1);
      await advance(1_000);
      await callsThatSucceed(breaker, 2);
      expect(breaker.state).toBe(BreakerState.CLOSED);

      late.fail(downstreamError);

      await expect(lateCall).rejects.toBe(downstreamError);
      expect(breaker.state).toBe(BreakerState.CLOSED);
      expect(breaker.snapshot()).toMatchObject({ calls: 0, failures: 0, slowCalls: 0 });
      expect(story).toEqual(['CLOSED -> OPEN (consecutive-failures)', 'OPEN -> HALF_OPEN (open-interval-elapsed)', 'HALF_OPEN -> CLOSED (probes-succeeded)']);
    });

    it('starts the new CLOSED episode with an empty window', async () => {
      const { breaker } = cardNetworkBreaker();
      await trip(breaker);
      await advance(1_000);
      await callsThatSucceed(breaker, 2);

      expect(breaker.snapshot()).toMatchObject({ state: BreakerState.CLOSED, calls: 0, failures: 0 });
      await callsThatFail(breaker, 9); // the ten failures that tripped it are gone
      expect(breaker.state).toBe(BreakerState.CLOSED);
    });
  });

  describe('operator overrides', () => {
    it('FORCED_OPEN refuses every call for as long as it lasts, until a reset', async () => {
      const { breaker, story } = cardNetworkBreaker();
      const downstream = jest.fn(ok);

      await breaker.forceOpen();
      await breaker.forceOpen();
      const error = await refusal(breaker.execute(downstream));
      await advance(3_600_000);
      await refusal(breaker.execute(downstream));

      expect(downstream).not.toHaveBeenCalled();
      expect(error).toMatchObject({ state: BreakerState.FORCED_OPEN, retryAfterMs: 1_000 });
      expect(story).toEqual(['CLOSED -> FORCED_OPEN (forced-open)']);

      await breaker.reset();

      await expect(breaker.execute(downstream)).resolves.toBe('ok');
      expect(story.at(-1)).toBe('FORCED_OPEN -> CLOSED (reset)');
    });

    it('DISABLED lets every call through and counts none of them', async () => {
      const { breaker, story } = cardNetworkBreaker({ consecutiveFailures: 3 });
      await callsThatFail(breaker, 3);

      await breaker.disable();
      await callsThatFail(breaker, 50);

      expect(breaker.state).toBe(BreakerState.DISABLED);
      expect(breaker.snapshot()).toMatchObject({ calls: 0, failures: 0, retryAfterMs: 0 });
      expect(story).toEqual(['CLOSED -> OPEN (consecutive-failures)', 'OPEN -> DISABLED (disabled)']);
    });

    it('DISABLED records nothing: no call is announced, timed or counted, not even one that ends after a reset', async () => {
      const { breaker } = cardNetworkBreaker();
      const recorded: CallRecorded[] = [];
      breaker.onCallRecorded((r) => recorded.push(r));
      await breaker.disable();

      await callsThatFail(breaker, 5);
      await callsThatSucceed(breaker, 5);
      const late = controlled();
      const lateCall = breaker.execute(late.call);
      await advance(5_000); // five times the slow threshold
      await breaker.reset();
      late.fail(downstreamError);
      await expect(lateCall).rejects.toBe(downstreamError);

      expect(recorded).toEqual([]);
      expect(breaker.snapshot()).toMatchObject({ state: BreakerState.CLOSED, calls: 0, slowCalls: 0 });
    });

    it('reset closes an OPEN breaker at once, with an empty window and the backoff back at its base', async () => {
      const { breaker, story } = cardNetworkBreaker();
      await trip(breaker);
      await advance(1_000);
      await callsThatFail(breaker, 1); // probe fails: next step 2 s

      await breaker.reset();

      expect(story.at(-1)).toBe('OPEN -> CLOSED (reset)');
      expect(breaker.snapshot()).toMatchObject({ calls: 0, retryAfterMs: 0 });
      await trip(breaker); // ten calls reach the downstream again
      expect(breaker.snapshot().retryAfterMs).toBe(1_000);
    });

    it('reset empties the window of a CLOSED breaker', async () => {
      const { breaker } = cardNetworkBreaker();
      await callsThatFail(breaker, 9);

      await breaker.reset();
      await callsThatFail(breaker, 1);

      expect(breaker.snapshot()).toMatchObject({ state: BreakerState.CLOSED, calls: 1 });
    });
  });

  describe('events', () => {
    it('announces each state change with its reason and a version one higher than the last', async () => {
      const { breaker, changes } = cardNetworkBreaker();

      await trip(breaker);
      await advance(1_000);
      await callsThatFail(breaker, 1);
      await advance(2_000);
      await callsThatSucceed(breaker, 2);
      await breaker.forceOpen();
      await breaker.disable();
      await breaker.reset();

      expect(changes).toEqual([
        { breaker: 'card-network', mode: 'local', version: 1, from: 'CLOSED', to: 'OPEN', reason: 'failure-rate' },
        { breaker: 'card-network', mode: 'local', version: 2, from: 'OPEN', to: 'HALF_OPEN', reason: 'open-interval-elapsed' },
        { breaker: 'card-network', mode: 'local', version: 3, from: 'HALF_OPEN', to: 'OPEN', reason: 'probe-failed' },
        { breaker: 'card-network', mode: 'local', version: 4, from: 'OPEN', to: 'HALF_OPEN', reason: 'open-interval-elapsed' },
        { breaker: 'card-network', mode: 'local', version: 5, from: 'HALF_OPEN', to: 'CLOSED', reason: 'probes-succeeded' },
        { breaker: 'card-network', mode: 'local', version: 6, from: 'CLOSED', to: 'FORCED_OPEN', reason: 'forced-open' },
        { breaker: 'card-network', mode: 'local', version: 7, from: 'FORCED_OPEN', to: 'DISABLED', reason: 'disabled' },
        { breaker: 'card-network', mode: 'local', version: 8, from: 'DISABLED', to: 'CLOSED', reason: 'reset' },
      ]);
      expect(breaker.snapshot().version).toBe(8);
    });

    it('announces each refused call, until the listener is disposed', async () => {
      const { breaker } = cardNetworkBreaker();
      const rejected: CallRejected[] = [];
      const subscription = breaker.onCallRejected((r) => rejected.push(r));
      await trip(breaker);

      await refusal(breaker.execute(ok));
      await advance(250);
      await refusal(breaker.execute(ok));
      subscription.dispose();
      await refusal(breaker.execute(ok));

      expect(rejected).toEqual([
        { breaker: 'card-network', state: BreakerState.OPEN, retryAfterMs: 1_000 },
        { breaker: 'card-network', state: BreakerState.OPEN, retryAfterMs: 750 },
      ]);
    });

    it('records each finished call and probe with its verdict and duration, until the listener is disposed', async () => {
      const { breaker } = cardNetworkBreaker();
      const recorded: CallRecorded[] = [];
      const subscription = breaker.onCallRecorded((r) => recorded.push(r));

      await callsThatSucceed(breaker, 1);
      const slow = breaker.execute(answersAfter(1_200));
      await advance(1_200);
      await slow;
      await callsThatFail(breaker, 8); // trips on the eighth: 8 of 10 failed
      expect(breaker.state).toBe(BreakerState.OPEN);
      await advance(1_000);
      await callsThatSucceed(breaker, 1); // a probe
      subscription.dispose();
      await callsThatSucceed(breaker, 1);

      expect(recorded).toHaveLength(11);
      expect(recorded[0]).toEqual({ breaker: 'card-network', kind: 'call', failed: false, ignored: false, slow: false, durationMs: 0, error: undefined });
      expect(recorded[1]).toEqual({ breaker: 'card-network', kind: 'call', failed: false, ignored: false, slow: true, durationMs: 1_200, error: undefined });
      expect(recorded[2]).toEqual({ breaker: 'card-network', kind: 'call', failed: true, ignored: false, slow: false, durationMs: 0, error: downstreamError });
      expect(recorded[10]).toEqual({ breaker: 'card-network', kind: 'probe', failed: false, ignored: false, slow: false, durationMs: 0, error: undefined });
    });

    it('stops announcing state changes to a disposed listener', async () => {
      const { breaker } = cardNetworkBreaker();
      const listener = jest.fn();
      breaker.onStateChange(listener).dispose();

      await trip(breaker);

      expect(listener).not.toHaveBeenCalled();
    });
  });

  describe('snapshot()', () => {
    it('describes a fresh breaker', () => {
      const { breaker } = cardNetworkBreaker();

      expect(breaker.snapshot()).toEqual({
        name: 'card-network',
        state: BreakerState.CLOSED,
        mode: 'local',
        version: 0,
        calls: 0,
        failures: 0,
        slowCalls: 0,
        failureRate: 0,
        slowCallRate: 0,
        retryAfterMs: 0,
        minimumCalls: 10,
        failureRateThreshold: 0.5,
        slowCallRateThreshold: 0.5,
      });
    });

    it('gives the window’s counts and rates', async () => {
      const { breaker } = cardNetworkBreaker();
      await callsThatSucceed(breaker, 5);
      const slow = breaker.execute(answersAfter(1_100));
      await advance(1_100);
      await slow;
      await callsThatFail(breaker, 2);

      const snapshot = breaker.snapshot();

      expect(snapshot).toMatchObject({ calls: 8, failures: 2, slowCalls: 1, failureRate: 0.25, slowCallRate: 0.125 });
      expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    });

    it('says how long until a call may pass, in every state', async () => {
      const { breaker } = cardNetworkBreaker();
      await trip(breaker);
      await advance(300);
      expect(breaker.snapshot()).toMatchObject({ state: BreakerState.OPEN, retryAfterMs: 700 });

      await advance(700);
      void breaker.execute(hangs); // first probe: permits are left
      expect(breaker.snapshot()).toMatchObject({ state: BreakerState.HALF_OPEN, retryAfterMs: 0 });
      void [breaker.execute(hangs), breaker.execute(hangs)];
      await advance(200);
      expect(breaker.snapshot()).toMatchObject({ state: BreakerState.HALF_OPEN, retryAfterMs: 4_800 });

      await breaker.forceOpen();
      expect(breaker.snapshot()).toMatchObject({ state: BreakerState.FORCED_OPEN, retryAfterMs: 1_000 });
      await breaker.disable();
      expect(breaker.snapshot()).toMatchObject({ state: BreakerState.DISABLED, retryAfterMs: 0 });
    });

    it('keeps the window it tripped with: an OPEN breaker counts its new, empty window, lastTrip says why it opened', async () => {
      const { breaker } = cardNetworkBreaker();
      expect(breaker.snapshot()).not.toHaveProperty('lastTrip');
      await callsThatSucceed(breaker, 4);
      await callsThatFail(breaker, 6);
      await advance(250);

      expect(breaker.snapshot()).toMatchObject({
        state: BreakerState.OPEN,
        calls: 0,
        failureRate: 0,
        reason: 'failure-rate',
        inStateMs: 250,
        lastTrip: { reason: 'failure-rate', agoMs: 250, calls: 10, failures: 6, slowCalls: 0, failureRate: 0.6, slowCallRate: 0 },
      });

      // A failed probe reopens it: the same outage, so the trip that started it stays.
      await advance(1_000);
      await expect(breaker.execute(failing)).rejects.toBe(downstreamError);
      expect(breaker.snapshot()).toMatchObject({ state: BreakerState.OPEN, reason: 'probe-failed', inStateMs: 0, lastTrip: { reason: 'failure-rate', agoMs: 1_250, calls: 10 } });
    });
  });

  describe('the slow-call sweep', () => {
    it('runs every 50 ms only while calls are in flight', async () => {
      const { breaker } = cardNetworkBreaker();
      expect(SLOW_CALL_SWEEP_INTERVAL_MS).toBe(50);
      expect(jest.getTimerCount()).toBe(0);

      const call = controlled();
      const running = breaker.execute(call.call);
      expect(jest.getTimerCount()).toBe(1);
      call.succeed();
      await running;
      await advance(SLOW_CALL_SWEEP_INTERVAL_MS);

      expect(jest.getTimerCount()).toBe(0);
    });

    it('stops when the breaker is disposed, so hung calls are no longer noticed', async () => {
      const { breaker } = cardNetworkBreaker();
      for (let i = 0; i < 10; i++) void breaker.execute(hangs);
      expect(jest.getTimerCount()).toBe(1);

      breaker.dispose();
      await advance(10_000);

      expect(jest.getTimerCount()).toBe(0);
      expect(breaker.state).toBe(BreakerState.CLOSED);
      expect(breaker.snapshot().calls).toBe(0);
    });
  });
});
