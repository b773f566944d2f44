// Every key pattern the code writes, and its Redis Cluster slot rule (architecture.md section 2):
// the keys one script touches share one hash tag (one slot, or the script fails with CROSSSLOT),
// and no hot key family lives on one slot, so no single shard carries all the traffic.
//
// Given the key builders the code uses (or, where a key is built inline, the same template), when
// each is hashed as Redis Cluster hashes it (CRC16 of the hash tag, cluster-key-slot as ioredis
// routes), then every script's keys fall in one slot, and every family with traffic per payment,
// breaker, queue or destination spreads over the three masters of a default 3-master Cluster.
import { createHash } from 'node:crypto';
import slotOf, { generateMulti } from 'cluster-key-slot';
import { breakerKeys, bulkheadLeasesKey, cacheEntryKeys, retryBudgetKey } from '@breakwater/redis-store';
import { bullPrefix, deadLetterName, QUEUE_NAMES } from '../apps/payment-api/src/jobs/queue-table';
import { idempotencyKey, paymentKeys, paymentOutboxKey } from '../apps/payment-api/src/payments/payment-keys';
import { ALL_PAYMENT_SHARDS, paymentShardOf } from '../apps/payment-api/src/payments/payment-shards';
import { unsettledShardKey } from '../apps/payment-api/src/payments/unsettled-payments';

const PREFIX = 'fleet-a:';
/** The slot ranges `redis-cli --cluster create` gives 3 masters. */
const MASTER_RANGES = [
  [0, 5460],
  [5461, 10922],
  [10923, 16383],
] as const;
const masterOf = (key: string): number => MASTER_RANGES.findIndex(([from, to]) => slotOf(key) >= from && slotOf(key) <= to);
const sample = (n: number, make: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => make(i));
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** One script's keys: must hash to one slot. */
interface ScriptKeys {
  script: string;
  keys: (i: number) => string[];
}

const SCRIPTS: ScriptKeys[] = [
  ...['record-outcomes-4', 'acquire-permit-3', 'record-probe-3', 'set-override-3', 'read-snapshot-2'].map((script) => ({
    script,
    keys: (i: number) => Object.values(breakerKeys(PREFIX, `provider-${i}`)),
  })),
  { script: 'fleet bulkhead scripts', keys: (i) => [bulkheadLeasesKey(PREFIX, `bulkhead-${i}`)] },
  { script: 'spend-retry-budget-1', keys: (i) => [retryBudgetKey(PREFIX, `budget-${i}`)] },
  { script: 'cache read/refresh', keys: (i) => Object.values(cacheEntryKeys(PREFIX, 'inventory', `sku-${i}`)) },
  // The payment, its history, its audit entries and its shard's outbox, in one script.
  { script: 'create-payment-4 / transition-payment-4', keys: (i) => paymentKeys(PREFIX, `pay-${i}`) },
  // The request path's merged scripts also add / remove the payment on its shard of the unsettled index.
  { script: 'create-payment-5 / transition-payment-5', keys: (i) => [...paymentKeys(PREFIX, `pay-${i}`), unsettledShardKey(PREFIX, paymentShardOf(`pay-${i}`))] },
  { script: 'record-attempt-1 / mark-audit-exported-1', keys: (i) => [paymentKeys(PREFIX, `pay-${i}`)[0]] },
  { script: 'claim/settle-idempotency-key-1', keys: (i) => [idempotencyKey(PREFIX, `order-${i}`)] },
  { script: 'add/remove/postpone-unsettled-payment-1', keys: (i) => [unsettledShardKey(PREFIX, i % ALL_PAYMENT_SHARDS.length)] },
  // notify-rate-limit.ts builds it inline: notify-rate:{sha256(channel:target)}:<window>.
  { script: 'take-notify-slot-1', keys: (i) => [`${PREFIX}notify-rate:{${sha(`email:c${i}@example.com`)}}:${1000 + i}`] },
  // rules-scorer.ts: MULTI INCR + EXPIRE on one key.
  { script: 'fraud velocity MULTI', keys: (i) => [`${PREFIX}fraud:velocity:{c-${i}}`] },
  // Fleet-wide single keys, each with one writer at a time or a write per instance per second:
  // the audit export runs one job at a time, the sweep lock is tried every 5 s, the dashboard
  // index gets a ZADD per instance per second.
  { script: 'dashboard index (dash:instances)', keys: () => [`${PREFIX}dash:instances`] },
  { script: 'advance-audit-checkpoint-1', keys: () => [`${PREFIX}audit-export:checkpoint`] },
  { script: 'release-queue-lock-1 (sweep lock)', keys: () => [`${PREFIX}pay:sweep-lock`] },
  {
    // BullMQ's scripts touch many keys of one queue (wait, active, meta, id, events, the job);
    // the dead-letter move and its lock share the queue's tag.
    script: 'BullMQ scripts of one queue, its dead-letter queue and lock',
    keys: (i) => {
      const queue = QUEUE_NAMES[i % QUEUE_NAMES.length];
      const prefix = bullPrefix(PREFIX, queue);
      return [
        ...['wait', 'active', 'meta', 'id', 'events', 'delayed', 'prioritized', 'completed', 'failed', 'stalled-check', `job-${i}`].map((k) => `${prefix}:${queue}:${k}`),
        `${prefix}:${deadLetterName(queue)}:wait`,
        `${prefix}:${queue}:dead-letter-lock`,
      ];
    },
  },
];

/** Key families with traffic: each must spread over every master, not sit on one slot. */
const SPREAD: { family: string; keys: string[] }[] = [
  { family: 'breakers bw:{<breaker>}', keys: sample(8, (i) => breakerKeys(PREFIX, `downstream-${i}`).state) },
  { family: 'payments pay:{<n>}:<id>', keys: sample(200, (i) => paymentKeys(PREFIX, `payment-${i}`)[0]) },
  { family: 'outbox pay:outbox:{<n>}', keys: ALL_PAYMENT_SHARDS.map((n) => paymentOutboxKey(PREFIX, n)) },
  { family: 'unsettled index pay:unsettled:{<n>}', keys: ALL_PAYMENT_SHARDS.map((n) => unsettledShardKey(PREFIX, n)) },
  { family: 'idempotency keys idem:{<sha>}', keys: sample(50, (i) => idempotencyKey(PREFIX, `order-${i}`)) },
  { family: 'inventory cache bw:cache:{inventory:<sku>}', keys: sample(30, (i) => cacheEntryKeys(PREFIX, 'inventory', `sku-${i}`).entry) },
  { family: 'notify rate limit notify-rate:{<destination>}', keys: sample(30, (i) => `${PREFIX}notify-rate:{${sha(`sms:+3360000${i}`)}}:1`) },
  { family: 'fraud velocity fraud:velocity:{<customer>}', keys: sample(30, (i) => `${PREFIX}fraud:velocity:{c-${i}}`) },
  { family: 'dashboard reports dash:{<instance>}:report', keys: sample(12, (i) => `${PREFIX}dash:{api-${i}}:report`) },
  { family: 'BullMQ queues bull:{<queue>}', keys: QUEUE_NAMES.map((q) => `${bullPrefix(PREFIX, q)}:${q}:wait`) },
];

describe('Redis keys on Cluster', () => {
  it.each(SCRIPTS.map((s) => [s.script, s] as const))('%s: every key of one call hashes to one slot', (_name, { keys }) => {
    for (let i = 0; i < 20; i++) expect({ keys: keys(i), slot: generateMulti(keys(i)) }).toEqual({ keys: keys(i), slot: slotOf(keys(i)[0]) });
  });

  it.each(SPREAD.map((s) => [s.family, s] as const))('%s: spreads over every master of a 3-master Cluster', (_family, { keys }) => {
    const slots = new Set(keys.map((k) => slotOf(k)));
    expect(slots.size).toBeGreaterThan(1);
    expect(new Set(keys.map(masterOf)).size).toBe(MASTER_RANGES.length);
  });

  it('every queue has a tag of its own, so queues land on different slots', () => {
    const slots = QUEUE_NAMES.map((q) => slotOf(`${bullPrefix(PREFIX, q)}:${q}:wait`));
    expect(new Set(slots).size).toBe(QUEUE_NAMES.length);
  });
});
