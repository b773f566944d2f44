import { registerDeadline, withDeadline, type RequestDeadline } from '../deadline/deadline';
import { BULKHEAD_REJECTED, BulkheadRejectedError, isBulkheadRejectedError } from '../errors/bulkhead-rejected.error';
import { InvalidConfigError } from '../errors/config.error';
import { bulkhead, BulkheadPolicy, DEFAULT_BULKHEAD_QUEUE_TIMEOUT_MS, type BulkheadOptions, type BulkheadRejected } from './bulkhead-policy';
import { advance, clock, watch } from '../../test-support/fake-time';

/**
 * A downstream whose calls end when the test says: `started` lists the calls that reached it,
 * in order, and `finish(name)` answers one of them.
 */
function reportService(): { call: (name: string) => () => Promise<string>; started: string[]; finish: (name: string) => Promise<void>; fail: (name: string) => Promise<void> } {
  const started: string[] = [];
  const pending = new Map<string, { resolve: (v: string) => void; reject: (e: unknown) => void }>();
  return {
    started,
    call: (name) => () =>
      new Promise<string>((resolve, reject) => {
        started.push(name);
        pending.set(name, { resolve, reject });
      }),
    finish: async (name) => {
      pending.get(name)?.resolve(`report ${name}`);
      await advance(0);
    },
    fail: async (name) => {
      pending.get(name)?.reject(new Error(`report ${name} failed`));
      await advance(0);
    },
  };
}

const reports = (options: Partial<BulkheadOptions> = {}): BulkheadPolicy => new BulkheadPolicy('reports', { maxConcurrent: 2, maxQueue: 1, clock, ...options });

const deadlines: RequestDeadline[] = [];

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});

afterEach(() => {
  for (const d of deadlines.splice(0)) d.dispose();
  jest.useRealTimers();
});

describe('BulkheadPolicy', () => {
  it('runs at most maxConcurrent calls, queues at most maxQueue, and refuses the rest at once with reason full', async () => {
    const service = reportService();
    const bh = reports({ maxConcurrent: 2, maxQueue: 1 });

    const a = watch(bh.execute(service.call('a')));
    const b = watch(bh.execute(service.call('b')));
    const c = watch(bh.execute(service.call('c')));
    const d = watch(bh.execute(service.call('d')));
    await advance(0);

    expect(service.started).toEqual(['a', 'b']);
    expect({ inFlight: bh.inFlight, queued: bh.queued, rejected: bh.rejected }).toEqual({ inFlight: 2, queued: 1, rejected: 1 });
    expect(c.settled).toBe(false);
    expect(d.error).toBeInstanceOf(BulkheadRejectedError);
    expect(d.error).toMatchObject({ code: BULKHEAD_REJECTED, bulkhead: 'reports', reason: 'full', limit: 2 });
    expect(isBulkheadRejectedError(d.error)).toBe(true);

    await service.finish('a');
    expect(a.value).toBe('report a');
    expect(service.started).toEqual(['a', 'b', 'c']);
    expect({ inFlight: bh.inFlight, queued: bh.queued }).toEqual({ inFlight: 2, queued: 0 });

    await service.finish('b');
    await service.finish('c');
    expect([b.value, c.value]).toEqual(['report b', 'report c']);
    expect({ inFlight: bh.inFlight, queued: bh.queued, rejected: bh.rejected }).toEqual({ inFlight: 0, queued: 0, rejected: 1 });
  });

  it('with no queue (the default), refuses the call after the last slot at once', async () => {
    const service = reportService();
    const bh = bulkhead('reports', { maxConcurrent: 1, clock });

    watch(bh.execute(service.call('a')));
    const error: unknown = await bh.execute(service.call('b')).catch((e: unknown) => e);

    expect(error).toMatchObject({ reason: 'full', limit: 1 });
    expect(service.started).toEqual(['a']);
  });

  it('starts queued calls in the order they arrived as slots free, a failed call freeing its slot too', async () => {
    const service = reportService();
    const bh = reports({ maxConcurrent: 1, maxQueue: 3 });
    const results = ['a', 'b', 'c', 'd'].map((name) => watch(bh.execute(service.call(name))));
    await advance(0);
    expect(service.started).toEqual(['a']);
    expect(bh.queued).toBe(3);

    await service.fail('a');
    expect(service.started).toEqual(['a', 'b']);
    expect((results[0].error as Error).message).toBe('report a failed');

    await service.finish('b');
    expect(service.started).toEqual(['a', 'b', 'c']);
    await service.finish('c');
    await service.finish('d');

    expect(service.started).toEqual(['a', 'b', 'c', 'd']);
    expect(results.slice(1).map((r) => r.value)).toEqual(['report b', 'report c', 'report d']);
    expect(bh.inFlight).toBe(0);
  });

  it('refuses a call that waited queueTimeoutMs without a slot, with reason queue-timeout, and never runs it', async () => {
    const service = reportService();
    const bh = reports({ maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 300 });
    watch(bh.execute(service.call('a')));
    const waiting = watch(bh.execute(service.call('b')));

    await advance(299);
    expect(waiting.settled).toBe(false);
    await advance(1);

    expect(waiting.error).toMatchObject({ code: BULKHEAD_REJECTED, reason: 'queue-timeout' });
    expect({ queued: bh.queued, rejected: bh.rejected }).toEqual({ queued: 0, rejected: 1 });

    await service.finish('a');
    expect(service.started).toEqual(['a']);
  });

  it('waits in the queue only as long as the request’s deadline allows: the request’s end ends the wait', async () => {
    const service = reportService();
    const bh = reports({ maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: DEFAULT_BULKHEAD_QUEUE_TIMEOUT_MS });
    const request = withDeadline('checkout', 200, undefined, clock);
    deadlines.push(request);
    watch(bh.execute(service.call('a')));

    const waiting = watch(bh.execute(service.call('b'), request.signal));
    await advance(199);
    expect(waiting.settled).toBe(false);
    await advance(1);

    expect(waiting.error).toMatchObject({ code: 'TIMEOUT', limit: 'deadline' });
    expect(bh.queued).toBe(0);
    await service.finish('a');
    expect(service.started).toEqual(['a']);
  });

  it('bounds the queue wait by the deadline even when nothing aborts the signal, refusing with reason queue-timeout', async () => {
    const service = reportService();
    const bh = reports({ maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: DEFAULT_BULKHEAD_QUEUE_TIMEOUT_MS });
    const parked = new AbortController().signal; // carries a deadline at t = 200, but no timer aborts it
    registerDeadline(parked, 200);
    watch(bh.execute(service.call('a')));

    const waiting = watch(bh.execute(service.call('b'), parked));
    await advance(199);
    expect(waiting.settled).toBe(false);
    await advance(1);

    expect(waiting.error).toMatchObject({ reason: 'queue-timeout' });
    expect(bh.queued).toBe(0);
  });

  it('refuses at once, with reason queue-timeout, a call whose deadline has already passed when it would queue', async () => {
    const service = reportService();
    const bh = reports({ maxConcurrent: 1, maxQueue: 5 });
    const spent = new AbortController().signal;
    registerDeadline(spent, 0);
    watch(bh.execute(service.call('a')));
    await advance(10);

    const error: unknown = await bh.execute(service.call('b'), spent).catch((e: unknown) => e);

    expect(error).toMatchObject({ reason: 'queue-timeout' });
    expect(bh.queued).toBe(0);
  });

  it('lets a waiting call leave the queue when its signal aborts: it rejects with the reason and its turn goes to the next', async () => {
    const service = reportService();
    const bh = reports({ maxConcurrent: 1, maxQueue: 2 });
    const client = new AbortController();
    watch(bh.execute(service.call('a')));
    const impatient = watch(bh.execute(service.call('b'), client.signal));
    const patient = watch(bh.execute(service.call('c')));
    const hungUp = new Error('client hung up');

    client.abort(hungUp);
    await advance(0);

    expect(impatient.error).toBe(hungUp);
    expect(bh.queued).toBe(1);
    expect(bh.rejected).toBe(0);

    await service.finish('a');
    await service.finish('c');
    expect(service.started).toEqual(['a', 'c']);
    expect(patient.value).toBe('report c');
  });

  it('refuses a call whose signal is already aborted without running it', async () => {
    const service = reportService();
    const bh = reports();
    const client = new AbortController();
    const hungUp = new Error('client hung up');
    client.abort(hungUp);

    await expect(bh.execute(service.call('a'), client.signal)).rejects.toBe(hungUp);
    expect(service.started).toEqual([]);
    expect(bh.inFlight).toBe(0);
  });

  it('hands the call the caller’s signal', async () => {
    const bh = reports();
    const controller = new AbortController();
    let seen: AbortSignal | undefined;

    await bh.execute(async (signal) => {
      seen = signal;
    }, controller.signal);

    expect(seen).toBe(controller.signal);
  });

  it('announces every refusal with its reason and the counts at that moment, until disposed', async () => {
    const service = reportService();
    const bh = reports({ maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 100 });
    const events: BulkheadRejected[] = [];
    const subscription = bh.onRejected((e) => events.push(e));

    watch(bh.execute(service.call('a')));
    watch(bh.execute(service.call('b')));
    watch(bh.execute(service.call('c')));
    await advance(100);

    expect(events).toEqual([
      { bulkhead: 'reports', reason: 'full', inFlight: 1, queued: 1 },
      { bulkhead: 'reports', reason: 'queue-timeout', inFlight: 1, queued: 1 },
    ]);

    subscription.dispose();
    watch(bh.execute(service.call('d')));
    watch(bh.execute(service.call('e')));
    await advance(0);
    expect(events).toHaveLength(2);
    expect(bh.rejected).toBe(3);
  });

  describe('refuses invalid options with InvalidConfigError', () => {
    it.each<[string, BulkheadOptions, RegExp]>([
      ['no maxConcurrent and no limit', {}, /maxConcurrent must be a whole number of at least 1 \(got undefined\)/],
      ['maxConcurrent 0', { maxConcurrent: 0 }, /maxConcurrent must be a whole number of at least 1 \(got 0\)/],
      ['maxConcurrent 1.5', { maxConcurrent: 1.5 }, /maxConcurrent/],
      ['maxQueue -1', { maxConcurrent: 1, maxQueue: -1 }, /maxQueue must be a whole number of at least 0 \(got -1\)/],
      ['queueTimeoutMs 0', { maxConcurrent: 1, queueTimeoutMs: 0 }, /queueTimeoutMs must be greater than 0 \(got 0\)/],
    ])('%s', (_name, options, message) => {
      const make = (): BulkheadPolicy => new BulkheadPolicy('reports', options);

      expect(make).toThrow(InvalidConfigError);
      expect(make).toThrow(message);
    });

    it('names every problem at once', () => {
      let error: unknown;
      try {
        new BulkheadPolicy('reports', { maxConcurrent: 0, maxQueue: -1, queueTimeoutMs: -1 });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidConfigError);
      expect((error as InvalidConfigError).problems).toHaveLength(3);
      expect((error as InvalidConfigError).subject).toBe('bulkhead reports');
    });
  });
});
