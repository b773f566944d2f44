// The payment state machine has one table (apps/payment-api/src/payments/payment-transitions.ts)
// and one enforcer (transition-payment-4.lua). Given a payment in each status, reached through
// moves the table allows, when the script is asked for every status, then it accepts exactly the
// moves the table lists, so the two cannot drift apart.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { PaymentStatus } from '../apps/payment-api/src/payments/payment';
import { PaymentStore, PaymentTransitionError } from '../apps/payment-api/src/payments/payment-store';
import { isFinalStatus, mayTransition, PAYMENT_TRANSITIONS } from '../apps/payment-api/src/payments/payment-transitions';
import { redisUrl, uniquePrefix } from './support/redis-server';

const STATUSES = Object.values(PaymentStatus);
const prefix = uniquePrefix('payment-transitions');
let redis: Redis;
let store: PaymentStore;

beforeAll(() => {
  redis = new Redis(redisUrl());
  store = new PaymentStore(redis, prefix);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/** The shortest way from RECEIVED to `status` that the table allows. */
function pathTo(status: PaymentStatus): PaymentStatus[] {
  const queue: PaymentStatus[][] = [[]];
  while (queue.length > 0) {
    const path = queue.shift() ?? [];
    const at = path[path.length - 1] ?? PaymentStatus.RECEIVED;
    if (at === status) return path;
    for (const next of PAYMENT_TRANSITIONS[at]) if (!path.includes(next)) queue.push([...path, next]);
  }
  throw new Error(`the table has no way from RECEIVED to ${status}`);
}

async function paymentIn(status: PaymentStatus): Promise<string> {
  const id = randomUUID();
  await store.create(id, { amount: '100' });
  for (const step of pathTo(status)) await store.transition(id, step, {}, 'test', {});
  return id;
}

it('every status can be reached from RECEIVED, and the final ones go nowhere', () => {
  for (const status of STATUSES) expect(() => pathTo(status)).not.toThrow();
  expect(STATUSES.filter(isFinalStatus).sort()).toEqual(['AUTHORIZED', 'DECLINED', 'FAILED']);
});

describe.each(STATUSES)('from %s', (from) => {
  it.each(STATUSES)(`the script allows -> %s exactly when the table does`, async (to) => {
    const id = await paymentIn(from);
    const moved = await store.transition(id, to, {}, 'test').then(
      (change) => change.from,
      (error: unknown) => {
        if (error instanceof PaymentTransitionError) return 'refused';
        throw error;
      },
    );
    expect(moved).toBe(mayTransition(from, to) ? from : 'refused');
  });
});
