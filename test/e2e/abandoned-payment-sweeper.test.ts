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
});
