// Redis TIME going backwards: after a failover to a replica whose clock is behind, the breaker's
// keys hold times in the future, as the faster clock left them. The scripts must clamp them:
// "future" buckets must not keep counting (nor a "future" failure report keep an instance among
// the reporters), and OPEN and HALF_OPEN must not last the skew longer.
//
// The test writes the keys as the faster clock would have left them, 60 s ahead of Redis TIME, and
// checks what the scripts make of them. Before, the open interval and the half-open wait lasted
// 60 s more, and the buckets and the report counted for 60 s more.
import { BreakerState, type BreakerConfig } from '@breakwater/resilience';
import type Redis from 'ioredis';
import { transitionsChannel } from '@breakwater/redis-store';
import { BreakerScripts, ScriptCode } from '../libs/redis-store/src/breaker-scripts';
import { FleetInstances, type Instance } from './support/fleet-instances';
import { sleep } from './support/wait-for';

const SKEW_MS = 60_000;
const OPEN_BASE_MS = 300;
const WINDOW_MS = 1_000;
const BUCKET_MS = WINDOW_MS / 10;
const CONFIG: Partial<BreakerConfig> = {
  minimumCalls: 5,
  openBaseMs: OPEN_BASE_MS,
  openJitter: 0,
  halfOpenPermits: 1,
  halfOpenSuccessThreshold: 1,
  halfOpenMaxWaitMs: 300,
  slowCallDurationMs: 200,
  windowMs: WINDOW_MS,
  windowBuckets: 10,
  minReportingInstances: 2,
};

describe('Redis time going backwards (keys left in the future by a faster clock)', () => {
  let fleet: FleetInstances;
  let instance: Instance;
  let admin: Redis;
  let scripts: BreakerScripts;

  /** Redis TIME in ms. */
  const redisNow = async (): Promise<number> => {
    const [seconds, micros] = await admin.time();
    return Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
  };

  beforeEach(async () => {
    fleet = new FleetInstances();
    [instance] = await fleet.start(1, CONFIG, { syncIntervalMs: 60_000, flushIntervalMs: 60_000 });
    admin = fleet.connection();
    scripts = new BreakerScripts(admin, transitionsChannel(fleet.prefix), 'instance-x', () => 0);
  });

  afterEach(async () => {
    await fleet.close();
  });

  it('given an OPEN breaker whose open interval ends 60 s in the future, then it lasts one open interval from now, not 60 s more', async () => {
    const future = (await redisNow()) + SKEW_MS;
    const { state } = instance.breaker.target.keys;
    await admin.hset(state, { state: 'OPEN', version: 1, openSteps: 1, openUntil: future + OPEN_BASE_MS, changedAt: future, reason: 'failure-rate', trippedAt: future, tripReason: 'failure-rate' });

    const read = await scripts.snapshot(instance.breaker.target);
    expect(read.snapshot).toMatchObject({ state: BreakerState.OPEN });
    expect(read.snapshot.retryAfterMs).toBeLessThanOrEqual(OPEN_BASE_MS);
    expect(read.snapshot.lastChange?.agoMs).toBeLessThan(1_000);

    await sleep(OPEN_BASE_MS + 50);
    const permit = await scripts.acquire(instance.breaker.target, 'instance-x:p1');
    expect(permit.code).toBe(ScriptCode.PERMIT_GRANTED);
    expect(permit.snapshot.state).toBe(BreakerState.HALF_OPEN);
  });

  it('given a HALF_OPEN breaker whose permit went out 60 s in the future, then it reopens halfOpenMaxWaitMs from now, not 60 s later', async () => {
    const future = (await redisNow()) + SKEW_MS;
    const { state, permits } = instance.breaker.target.keys;
    await admin.hset(state, { state: 'HALF_OPEN', version: 2, openSteps: 1, openUntil: future, halfOpenSince: future, permitsIssued: 1, changedAt: future, reason: 'open-interval-elapsed' });
    await admin.hset(permits, 'instance-y:p1', future);

    const read = await scripts.snapshot(instance.breaker.target);
    expect(read.snapshot.retryAfterMs).toBeLessThanOrEqual(300);

    await sleep(350);
    const refused = await scripts.acquire(instance.breaker.target, 'instance-x:p2');
    expect(refused.code).toBe(ScriptCode.REFUSED);
    expect(refused.snapshot).toMatchObject({ state: BreakerState.OPEN, lastChange: { reason: 'half-open-expired' } });
  });

  it('given window buckets and a failure report 60 s in the future, then they count as now and leave the window one window later', async () => {
    const now = await redisNow();
    const futureEpoch = Math.floor((now + SKEW_MS) / BUCKET_MS);
    const { window } = instance.breaker.target.keys;
    await admin.hset(window, { [`${futureEpoch}:c`]: 4, [`${futureEpoch}:f`]: 4, 'r:instance-ghost': now + SKEW_MS });
    await admin.pexpire(window, 10 * WINDOW_MS);

    expect((await scripts.snapshot(instance.breaker.target)).snapshot.totals).toMatchObject({ calls: 4, failures: 4 });

    await sleep(WINDOW_MS + 2 * BUCKET_MS);
    expect((await scripts.snapshot(instance.breaker.target)).snapshot.totals).toMatchObject({ calls: 0, failures: 0 });
    // The ghost's report is gone too: one instance's failures alone are held back (minReportingInstances 2).
    const batch = { session: 'instance-x:s1', sequence: 1, ageMs: 0, version: 0, calls: 5, failures: 5, slowCalls: 0, sawSuccess: false, trailingFailures: 5 };
    const reply = await scripts.recordBatch(instance.breaker.target, batch);
    expect(reply.code).toBe(ScriptCode.HELD_BACK);
    expect(reply.snapshot.state).toBe(BreakerState.CLOSED);
  });
});
