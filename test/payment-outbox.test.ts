// The payment outbox (issue 10, item 19): the script that records a change of a payment appends
// its outbox entry in the same step, so a change never exists without the entry its follow-ups
// are made from, and a refused change leaves none. A payment's keys and its shard's outbox share
// one hash tag, so the scripts stay within one Redis Cluster slot.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { paymentKeys, paymentOutboxKeys } from '../apps/payment-api/src/payments/payment-keys';
import { PaymentStore, PaymentTransitionError } from '../apps/payment-api/src/payments/payment-store';
import { PAYMENT_SHARDS } from '../apps/payment-api/src/payments/payment-shards';
import { UnsettledPayments, unsettledShardKey } from '../apps/payment-api/src/payments/unsettled-payments';
import { deleteKeysByPrefix, redisUrl, uniquePrefix } from './support/redis-server';

const prefix = uniquePrefix('payment-outbox');
let redis: Redis;
let store: PaymentStore;

beforeAll(() => {
  redis = new Redis(redisUrl());
  store = new PaymentStore(redis, prefix);
});

afterAll(async () => {
  await deleteKeysByPrefix(redisUrl(), prefix);
  await redis.quit();
});

const hashTag = (key: string): string | undefined => /\{([^}]*)\}/.exec(key)?.[1];

async function outboxOf(id: string): Promise<Record<string, string>[]> {
  const entries = await redis.xrange(paymentKeys(prefix, id)[3], '-', '+');
  return entries
    .map(([, flat]) => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]])))
    .filter((fields) => fields.paymentId === id);
}

it('every recorded change has one outbox entry naming its audit entry, status and provider; a refused change has none', async () => {
  const id = randomUUID();
  const received = await store.create(id, { id, amount: '100' });
  const pending = await store.transition(id, 'PENDING_REVIEW', { provider: 'provider-b' }, 'outcome unknown at provider-b');
  await expect(store.transition(id, 'RECEIVED', {}, 'not allowed')).rejects.toBeInstanceOf(PaymentTransitionError);
  const settled = await store.transition(id, 'AUTHORIZED', { reconciledWith: 'provider-b' }, 'reconciled: charged');
  expect(await outboxOf(id)).toEqual([
    { paymentId: id, auditId: received.auditId, status: 'RECEIVED', provider: '' },
    { paymentId: id, auditId: pending.auditId, status: 'PENDING_REVIEW', provider: 'provider-b' },
    { paymentId: id, auditId: settled.auditId, status: 'AUTHORIZED', provider: 'provider-b' },
  ]);
  expect((await store.audit(id)).map((e) => e.id)).toEqual([received.auditId, pending.auditId, settled.auditId]);
});

it('a payment created with its unsettled shard is on the index in the same step, scored in Redis time, and put there again by a create that finds it recorded', async () => {
  const unsettled = new UnsettledPayments(redis, prefix);
  const id = randomUUID();
  const [seconds] = await redis.time();
  await store.create(id, { id, amount: '100' }, unsettled.shardKeyOf(id));
  const score = Number(await redis.zscore(unsettled.shardKeyOf(id), id));
  expect(Math.abs(score - Number(seconds) * 1000)).toBeLessThan(5_000);
  expect((await store.get(id))?.fields).toMatchObject({ status: 'RECEIVED' });
  expect(hashTag(unsettled.shardKeyOf(id))).toBe(hashTag(paymentKeys(prefix, id)[0]));

  await redis.zrem(unsettled.shardKeyOf(id), id);
  await expect(store.create(id, { id, amount: '100' }, unsettled.shardKeyOf(id))).rejects.toBeInstanceOf(PaymentTransitionError);
  expect(await redis.zscore(unsettled.shardKeyOf(id), id)).not.toBeNull();
  expect(await outboxOf(id)).toHaveLength(1);
});

it('a change recorded with handOffFrom takes the payment off its unsettled shard in the same step; a refused change leaves it there', async () => {
  const unsettled = new UnsettledPayments(redis, prefix);
  const id = randomUUID();
  const shard = unsettled.shardKeyOf(id);
  await store.create(id, { id, amount: '100' }, shard);
  await store.recordAttempt(id, 'provider-a');
  // Refused by its guard (other attempts than these): nothing written, the entry stays.
  await expect(store.transition(id, 'PENDING_REVIEW', { provider: 'provider-a' }, 'outcome unknown', { ifAttempts: [], handOffFrom: shard })).rejects.toMatchObject({ code: 'PAYMENT_ATTEMPTS_CHANGED' });
  expect(await redis.zscore(shard, id)).not.toBeNull();
  const authorized = await store.transition(id, 'AUTHORIZED', { provider: 'provider-a' }, 'charged by provider-a', { ifAttempts: ['provider-a'], handOffFrom: shard });
  expect(await redis.zscore(shard, id)).toBeNull();
  expect((await outboxOf(id)).map((e) => e.status)).toEqual(['RECEIVED', 'AUTHORIZED']);
  expect(authorized.from).toBe('RECEIVED');
});

it('a payment that reaches a final status expires after the retention (its record, history and audit entries); one still PENDING_REVIEW does not', async () => {
  const retentionMs = 3 * 24 * 60 * 60 * 1000;
  const kept = new PaymentStore(redis, prefix, retentionMs);
  const settled = randomUUID();
  const pending = randomUUID();
  for (const id of [settled, pending]) await kept.create(id, { id, amount: '100' });
  await kept.transition(settled, 'DECLINED', {}, 'declined by provider-a');
  await kept.transition(pending, 'PENDING_REVIEW', { provider: 'provider-a' }, 'outcome unknown');
  for (const key of paymentKeys(prefix, settled).slice(0, 3)) {
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(retentionMs - 60_000);
    expect(ttl).toBeLessThanOrEqual(retentionMs);
  }
  for (const key of paymentKeys(prefix, pending).slice(0, 3)) expect(await redis.pttl(key)).toBe(-1);
  // The outbox is trimmed by its groups, never expired with a payment.
  expect(await redis.pttl(paymentKeys(prefix, pending)[3])).toBe(-1);
});

it('a payment\'s keys, its shard\'s outbox and its shard\'s unsettled index share one hash tag; payments spread over every shard', () => {
  const shards = new Set<string>();
  for (let i = 0; i < 2_000; i++) {
    const keys = paymentKeys(prefix, randomUUID());
    const tags = new Set(keys.map(hashTag));
    expect(tags.size).toBe(1);
    const [tag] = [...tags];
    expect(unsettledShardKey(prefix, Number(tag))).toContain(`{${tag}}`);
    shards.add(String(tag));
  }
  expect(shards.size).toBe(PAYMENT_SHARDS);
  expect(paymentOutboxKeys(prefix)).toHaveLength(PAYMENT_SHARDS);
});
