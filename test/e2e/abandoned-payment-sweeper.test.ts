// The unsettled index and the abandoned-payment sweeper under load and races
// (docs/payment-gateway.md, "Abandoned payments: the sweeper"): the index is spread over shards,
// each its own hash tag, so payment traffic is not all on one Redis Cluster shard, and the sweeper
// still finds every abandoned payment. Built as test/e2e/abandoned-payments.test.ts: a Gateway in
// this process, its sweeper run round by round (sweepOnce).
import { randomUUID } from 'node:crypto';
import { UnsettledPayments } from '../../apps/payment-api/src/payments/unsettled-payments';
import { createWorld, startInstance, type JobsInstance, type World } from '../jobs/support/jobs-harness';
import { sleep } from '../support/wait-for';

jest.setTimeout(60_000);

const DEADLINE_MS = 1_000;
const LEASE_MS = 2 * DEADLINE_MS;

describe('the abandoned-payment sweeper and its index', () => {
  let world: World;
  let instance: JobsInstance;
  let unsettled: UnsettledPayments;

  beforeAll(async () => {
    world = await createWorld('abandoned-sweeper');
    instance = await startInstance({ sim: world.sim, keyPrefix: world.keyPrefix, auditFile: world.auditFile, env: { PAYMENT_LEASE_MS: String(LEASE_MS), PAYMENT_DEADLINE_MS: String(DEADLINE_MS) } });
    unsettled = new UnsettledPayments(world.redis, world.keyPrefix);
  });

  afterAll(async () => {
    await instance?.close();
    await world?.cleanup();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  const store = () => instance.gateway.store;
  const sweep = () => instance.gateway.sweeper.sweepOnce();
  const statusOf = async (id: string): Promise<string | undefined> => (await store().get(id))?.fields.status;
  const afterLease = (): Promise<void> => sleep(LEASE_MS + 100);

  /** What a request does before it sends anything: on the index, then recorded RECEIVED. Then it dies. */
  async function abandonedBeforeCharge(): Promise<string> {
    const id = randomUUID();
    await unsettled.add(id);
    await store().create(id, { id, amount: '500', currency: 'EUR', customerId: 'c-sweeper', items: '[]', notify: '{}' });
    return id;
  }

  /**
   * Makes a race happen in order: right after the sweeper's first read of payment `id` returns,
   * `interleave` runs (a live request acting on it) before the sweeper goes on with what it read.
   * Returns whether the race happened.
   */
  function afterTheSweeperReads(id: string, interleave: () => Promise<void>): () => boolean {
    const read = store().get.bind(store());
    let raced = false;
    jest.spyOn(store(), 'get').mockImplementation(async (paymentId) => {
      const seen = await read(paymentId);
      if (paymentId === id && !raced) {
        raced = true;
        await interleave();
      }
      return seen;
    });
    return () => raced;
  }

  /** Sweeps until a round recovers nothing more. */
  async function sweepAll(): Promise<number> {
    let recovered = 0;
    for (let round = 0; round < 20; round++) {
      const result = await sweep();
      recovered += result.recovered;
      if (result.recovered === 0) return recovered;
    }
    throw new Error('the sweeper never finished');
  }

  test('given 200 payments on the index, then they are spread over 16 keys with a hash tag each, and the sweeper recovers every one that was abandoned', async () => {
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch++) ids.push(...(await Promise.all(Array.from({ length: 20 }, abandonedBeforeCharge))));

    const keys = await world.redis.keys(`${world.keyPrefix}pay:unsettled*`);
    expect(keys).toHaveLength(16);
    const tags = keys.map((k) => /\{([^}]+)\}$/.exec(k)?.[1]);
    expect(tags.every((t) => t !== undefined)).toBe(true);
    expect(new Set(tags).size).toBe(16);
    const sizes = await Promise.all(keys.map((k) => world.redis.zcard(k)));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(200);
    // No shard carries much more than its share (12.5 on average).
    expect(Math.max(...sizes)).toBeLessThan(40);
    expect(await unsettled.count()).toBe(200);

    await afterLease();
    // 100 a round: at least two rounds.
    expect(await sweepAll()).toBe(200);
    expect((await Promise.all(ids.map(statusOf))).every((s) => s === 'FAILED')).toBe(true);
    expect(await unsettled.count()).toBe(0);
  });

  /** The entry's score on the index, if it is there. */
  async function indexed(id: string): Promise<number | undefined> {
    for (const key of await world.redis.keys(`${world.keyPrefix}pay:unsettled*`)) {
      const score = await world.redis.zscore(key, id);
      if (score !== null) return Number(score);
    }
    return undefined;
  }

  test('given a payment its request left unrecorded, when its client retries after the lease while the sweeper looks at it, then the live payment is not FAILED and stays on the index', async () => {
    const id = randomUUID();
    await unsettled.add(id); // the request died before recording the payment
    await afterLease();
    const oldScore = await indexed(id);

    // The race, step by step: the sweeper reads the record (none: nothing was sent, the entry is
    // past the lease); right then the client's retry takes the key over and processes the payment
    // anew under the same id, as process() does: back on the index, then recorded RECEIVED.
    const raced = afterTheSweeperReads(id, async () => {
      await sleep(5); // the retry's add gets a later score
      await unsettled.add(id);
      await store().create(id, { id, amount: '500', currency: 'EUR', customerId: 'c-retry', items: '[]', notify: '{}' });
    });
    await sweep();
    jest.restoreAllMocks();

    expect(raced()).toBe(true);
    // The sweeper acted on what it saw (no record: nothing to do), not on the retry's live payment.
    expect(await statusOf(id)).toBe('RECEIVED');
    // And it took the entry off only if it was still the one it read: the retry's entry stays.
    const score = await indexed(id);
    expect(score).toBeDefined();
    expect(score).toBeGreaterThan(oldScore ?? Infinity);
    await unsettled.remove(id);
  });

  test('given a payment whose request looks dead after asking provider-a, when that request, alive after all, asks provider-a again while the sweeper looks at it, then the sweeper does not move it to PENDING_REVIEW under it', async () => {
    const id = await abandonedBeforeCharge();
    await store().recordAttempt(id, 'provider-a');
    await afterLease();

    // The sweeper reads the record (RECEIVED, provider-a asked a lease ago); right then the slow
    // request retries provider-a: its attempts stay "provider-a", its lastAttemptAt moves.
    const raced = afterTheSweeperReads(id, async () => {
      await store().recordAttempt(id, 'provider-a');
    });
    await sweep();
    jest.restoreAllMocks();

    expect(raced()).toBe(true);
    expect(await statusOf(id)).toBe('RECEIVED');
    expect(await indexed(id)).toBeDefined();
    await unsettled.remove(id);
  });

  test('given 100 old entries whose recovery always fails, then a newer abandoned payment is still recovered: the failing ones are looked at again later, not first every round', async () => {
    const failing = new Set<string>();
    for (let batch = 0; batch < 5; batch++) for (const id of await Promise.all(Array.from({ length: 20 }, abandonedBeforeCharge))) failing.add(id);
    await sleep(5);
    const newer = await abandonedBeforeCharge();
    await afterLease();

    const recover = instance.gateway.flow.recoverAbandoned.bind(instance.gateway.flow);
    jest.spyOn(instance.gateway.flow, 'recoverAbandoned').mockImplementation(async (id, seen) => {
      if (failing.has(id)) throw new Error('Connection is closed.');
      return recover(id, seen);
    });
    // Round one takes the 100 oldest: all fail.
    expect(await sweep()).toEqual({ swept: true, recovered: 0, failed: 100 });
    // Round two: they wait their backoff, the newer one is reached.
    expect(await sweep()).toEqual({ swept: true, recovered: 1, failed: 0 });
    jest.restoreAllMocks();
    expect(await statusOf(newer)).toBe('FAILED');
    // The failing ones are still on the index, still RECEIVED, due again after the backoff.
    const scores = await Promise.all([...failing].map(indexed));
    expect(scores.every((s) => s !== undefined)).toBe(true);
    expect((await Promise.all([...failing].map(statusOf))).every((s) => s === 'RECEIVED')).toBe(true);
    for (const id of failing) await unsettled.remove(id);
  });

  test('given an instance whose clock is an hour behind, when it puts a payment on the index, then the sweeper does not take it for abandoned within the lease (Redis time)', async () => {
    const id = randomUUID();
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 3_600_000);
    await unsettled.add(id);
    jest.restoreAllMocks();
    // Its request is alive, just not recorded yet.
    await sweep();
    expect(await indexed(id)).toBeDefined();
    await unsettled.remove(id);
  });
});
