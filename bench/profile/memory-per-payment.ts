// What Redis keeps for one payment, key by key (MEMORY USAGE), as the gateway writes it on its
// success path: the Idempotency-Key with its stored answer, the record, its history and its audit
// stream (AUTHORIZED, with an attempt), and the email destination's rate-limit slot. The BullMQ
// jobs and outbox entries are bounded by count and trimmed (docs/benchmarks.md) and measured by
// `npm run bench:gateway` instead. Runs against REDIS_URL (default the shared 127.0.0.1:6379)
// under a prefix of its own, which it deletes.
//   node --import tsx bench/profile/memory-per-payment.ts
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { NotifyRateLimit } from '../../apps/payment-api/src/jobs/notify-rate-limit';
import { IdempotencyKeys } from '../../apps/payment-api/src/payments/idempotency-keys';
import { bodyHash, idempotencyKey, paymentKeys } from '../../apps/payment-api/src/payments/payment-keys';
import { PaymentStore } from '../../apps/payment-api/src/payments/payment-store';
import { UnsettledPayments } from '../../apps/payment-api/src/payments/unsettled-payments';
import { deleteKeys, fmt } from '../bench-support';

const PAYMENTS = 200;

async function main(): Promise<void> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bench:memory:${randomUUID().slice(0, 8)}:`;
  const redis = new Redis(url);
  const store = new PaymentStore(redis, prefix, 30 * 24 * 3600 * 1000);
  const keys = new IdempotencyKeys(redis, prefix);
  const unsettled = new UnsettledPayments(redis, prefix);
  const rate = new NotifyRateLimit(redis, prefix, { limit: 10, windowMs: 3_600_000 });
  const sizes = new Map<string, number[]>();
  const measure = async (kind: string, key: string): Promise<void> => {
    const bytes = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    sizes.set(kind, [...(sizes.get(kind) ?? []), bytes]);
  };
  try {
    for (let n = 0; n < PAYMENTS; n++) {
      const clientKey = `bench-${randomUUID()}`;
      const request = { amount: 1299, currency: 'EUR', customerId: `c-${n}`, items: [{ sku: 'sku-1', qty: 1 }], paymentMethod: { type: 'card', token: 'tok_visa' }, notify: { email: `p${n}@example.com` } };
      const claim = await keys.claim(clientKey, bodyHash(request), randomUUID(), 16_000);
      if (claim.kind !== 'new') throw new Error(`unexpected claim ${claim.kind}`);
      const id = claim.held.paymentId;
      await store.create(id, { id, amount: '1299', currency: 'EUR', customerId: `c-${n}`, items: JSON.stringify(request.items), notify: JSON.stringify(request.notify) }, unsettled.shardKeyOf(id));
      await store.recordAttempt(id, 'provider-a', { fraudScore: '0.013', fraudMode: 'service', degraded: '[]' });
      await store.transition(id, 'AUTHORIZED', { provider: 'provider-a', chargeId: `ch_${randomUUID()}`, fraudScore: '0.013', fraudMode: 'service', degraded: '[]' }, 'charged by provider-a');
      const answer = { id, status: 'AUTHORIZED', provider: 'provider-a', fraud: { score: 0.013, mode: 'service' }, degraded: [], degradation: 'NORMAL' };
      await keys.complete(claim.held, { status: 201, body: answer });
      await unsettled.remove(id);
      await rate.allows('email', request.notify.email, id);
      const [record, history, audit] = paymentKeys(prefix, id);
      await measure('payment record (hash)', record);
      await measure('status history (list)', history);
      await measure('audit entries (stream)', audit);
      await measure('Idempotency-Key with its answer', idempotencyKey(prefix, clientKey));
      const window = Math.floor(Date.now() / 3_600_000);
      const [slot] = await redis.keys(`${prefix}notify-rate:*:${window}`);
      if (slot !== undefined) await measure('email destination slot (1 per address)', slot);
      await redis.del(...(await redis.keys(`${prefix}notify-rate:*`)));
    }
    let total = 0;
    console.log(`MEMORY USAGE per key, mean of ${PAYMENTS} payments (Redis ${(/redis_version:(\S+)/.exec(await redis.info('server')) ?? [])[1]}):`);
    for (const [kind, values] of sizes) {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      total += mean;
      console.log(`  ${kind}: ${fmt(mean)} bytes`);
    }
    console.log(`  total: ${fmt(total)} bytes per payment`);
  } finally {
    await deleteKeys(prefix, url);
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
