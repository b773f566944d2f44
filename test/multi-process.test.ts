// Given three OS processes sharing one fleet breaker over one Redis, when the provider fails
// across them, then all three open; after the open interval the fleet lets exactly
// halfOpenPermits probes through in total, however many calls each process tries; and when the
// probes pass, all three close.
//
// Each instance is test/fixtures/breaker-worker.ts, driven by test/support/worker-process.ts.
import Redis from 'ioredis';
import { breakerKeys } from '@breakwater/redis-store';
import { BreakerState } from '@breakwater/resilience';
import { redisUrl, uniquePrefix } from './support/redis-server';
import { WorkerProcess, type Message } from './support/worker-process';

const BREAKER = 'provider-a';
const CONFIG = {
  minimumCalls: 20,
  openBaseMs: 2_000,
  openJitter: 0,
  halfOpenPermits: 3,
  halfOpenSuccessThreshold: 2,
  // Probes are held open while the others try; they must not count as slow meanwhile.
  slowCallDurationMs: 5_000,
};
const FAILURES_PER_INSTANCE = 7; // 3 x 7 = 21 >= minimumCalls, while 7 and 14 are below it
const TRIES_PER_INSTANCE = 4;
const FLUSH_INTERVAL_MS = 50; // DEFAULT_FLUSH_INTERVAL_MS of the fleet
const START_TIMEOUT_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a fleet breaker shared by three OS processes over one Redis', () => {
  const keyPrefix = uniquePrefix('multi-process');
  const keys = breakerKeys(keyPrefix, BREAKER);
  const workers: WorkerProcess[] = [];
  let redis: Redis;

  /** Runs a step; any failure carries every worker's events and stderr. */
  async function step<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const report = workers.map((w) => w.describe()).join('\n');
      if (error instanceof Error) {
        error.message = `${error.message}\n\n=== workers ===\n${report}`;
        throw error;
      }
      throw new Error(`${String(error)}\n\n=== workers ===\n${report}`);
    }
  }

  const states = (): Promise<unknown[]> => Promise.all(workers.map(async (w) => (await w.request('state')).state));
  const fleetState = async (): Promise<Record<string, string>> => redis.hgetall(keys.state);
  const localModeEvents = (): Message[] => workers.flatMap((w) => w.events.filter((e) => e.event === 'mode' && e.mode === 'local'));

  beforeAll(async () => {
    redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
    const env = { REDIS_URL: redisUrl(), KEY_PREFIX: keyPrefix, BREAKER_NAME: BREAKER, BREAKER_CONFIG: JSON.stringify(CONFIG) };
    for (const id of ['instance-a', 'instance-b', 'instance-c']) workers.push(new WorkerProcess(id, env));
    await step(() => Promise.all(workers.map((w) => w.waitForEvent('the ready line', (e) => e.event === 'ready', 0, START_TIMEOUT_MS))));
  }, START_TIMEOUT_MS + 5_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    if (redis !== undefined) {
      const stale = await redis.keys(`${keyPrefix}*`); // only this run's keys: the prefix is unique
      if (stale.length > 0) await redis.del(...stale);
      redis.disconnect();
    }
  });

  it('opens in every process when failures spread across them reach minimumCalls together', () =>
    step(async () => {
      const [a, b, c] = workers;
      expect(workers.map((w) => w.events.find((e) => e.event === 'ready')?.mode)).toEqual(['fleet', 'fleet', 'fleet']);
      expect(await states()).toEqual([BreakerState.CLOSED, BreakerState.CLOSED, BreakerState.CLOSED]);

      // 14 failures from two processes: below minimumCalls, so nobody opens.
      expect(await a.request('fail', { n: FAILURES_PER_INSTANCE })).toMatchObject({ admitted: FAILURES_PER_INSTANCE });
      expect(await b.request('fail', { n: FAILURES_PER_INSTANCE })).toMatchObject({ admitted: FAILURES_PER_INSTANCE });
      await sleep(FLUSH_INTERVAL_MS * 6);
      expect(await states()).toEqual([BreakerState.CLOSED, BreakerState.CLOSED, BreakerState.CLOSED]);
      expect((await fleetState()).state ?? BreakerState.CLOSED).toBe(BreakerState.CLOSED);

      // The third process's 7 make 21 fleet-wide: every process learns that the breaker opened.
      expect(await c.request('fail', { n: FAILURES_PER_INSTANCE })).toMatchObject({ admitted: FAILURES_PER_INSTANCE });
      const opened = await Promise.all(workers.map((w) => w.waitForState(BreakerState.OPEN, 0)));
      expect(opened.map((e) => e.mode)).toEqual(['fleet', 'fleet', 'fleet']);
      expect((await fleetState()).state).toBe(BreakerState.OPEN);

      // And every process now refuses calls without running them.
      const tries = await Promise.all(workers.map((w) => w.request('try')));
      expect(tries.map((t) => t.admitted)).toEqual([false, false, false]);
      expect(localModeEvents()).toEqual([]);
    }));

  it(`lets exactly ${CONFIG.halfOpenPermits} probes through fleet-wide once the open interval has passed`, () =>
    step(async () => {
      expect(await states()).toEqual([BreakerState.OPEN, BreakerState.OPEN, BreakerState.OPEN]);
      const retryAfter = await Promise.all(workers.map(async (w) => Number(((await w.request('state')).snapshot as Message | undefined)?.retryAfterMs)));
      expect(retryAfter.every((ms) => Number.isFinite(ms) && ms <= CONFIG.openBaseMs)).toBe(true);
      await sleep(Math.max(...retryAfter) + 100);

      // Permits are the fleet's, not one per process: the first instance to ask may take several.
      // Admitted calls keep running (held) until released, so no verdict frees or ends anything.
      const attempts: { instance: string; round: string; reply: Message }[] = [];
      const [first] = workers;
      for (let i = 0; i < 2; i++) attempts.push({ instance: first.instanceId, round: `alone ${i}`, reply: await first.request('try', { hold: true }) });

      // Then every process tries several calls, the processes concurrently: one permit is left.
      for (let round = 0; round < TRIES_PER_INSTANCE; round++) {
        const replies = await Promise.all(workers.map((w) => w.request('try', { hold: true })));
        replies.forEach((reply, i) => attempts.push({ instance: workers[i].instanceId, round: `together ${round}`, reply }));
      }
      const admitted = attempts.filter((a) => a.reply.admitted === true);
      const summary = attempts.map((a) => `${a.instance} ${a.round}: ${a.reply.admitted === true ? 'admitted' : 'refused'}`).join('; ');
      expect({ admittedAlone: admitted.filter((a) => a.round.startsWith('alone')).length, admitted: admitted.length, summary }).toEqual({
        admittedAlone: 2,
        admitted: CONFIG.halfOpenPermits,
        summary,
      });
      expect(admitted.map((a) => a.reply.stateAtStart)).toEqual(admitted.map(() => BreakerState.HALF_OPEN));
      expect(await fleetState()).toMatchObject({ state: BreakerState.HALF_OPEN, permitsIssued: String(CONFIG.halfOpenPermits) });

      // Let the held calls finish (successfully): every call that ran was a probe.
      const released = await Promise.all(workers.map((w) => w.request('release')));
      const kinds = released.flatMap((r) => (Array.isArray(r.kinds) ? r.kinds : []));
      expect(kinds).toEqual(Array.from({ length: CONFIG.halfOpenPermits }, () => 'probe'));
      expect(localModeEvents()).toEqual([]);
    }));

  it('closes in every process once the probes succeed', () =>
    step(async () => {
      // The release above let the probes pass; halfOpenSuccessThreshold of them close the breaker.
      await Promise.all(workers.map((w) => w.waitForState(BreakerState.CLOSED, 0)));
      expect(await states()).toEqual([BreakerState.CLOSED, BreakerState.CLOSED, BreakerState.CLOSED]);
      expect((await fleetState()).state).toBe(BreakerState.CLOSED);

      const calls = await Promise.all(workers.map((w) => w.request('succeed', { n: 3 })));
      expect(calls.map((r) => r.admitted)).toEqual([3, 3, 3]);
      expect(localModeEvents()).toEqual([]);
    }));
});
