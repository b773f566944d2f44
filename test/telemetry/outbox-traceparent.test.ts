// The outbox entry of a change carries the traceparent of the span that recorded it (tracing on),
// through both scripts and every combination of the transition's positional guards: with no
// active span the entry is exactly what it was before tracing, and a guard still refuses a
// change whether a traceparent comes with it or not.
import { randomUUID } from 'node:crypto';
import { context, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import Redis from 'ioredis';
import { paymentKeys } from '../../apps/payment-api/src/payments/payment-keys';
import { PaymentAttemptsChangedError, PaymentChangedError, PaymentStore } from '../../apps/payment-api/src/payments/payment-store';
import { deleteKeysByPrefix, redisUrl, uniquePrefix } from '../support/redis-server';

const prefix = uniquePrefix('outbox-traceparent');
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] });
let redis: Redis;
let store: PaymentStore;
let tracer: Tracer;

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  tracer = trace.getTracer('outbox-traceparent.test');
  redis = new Redis(redisUrl());
  store = new PaymentStore(redis, prefix);
});

afterAll(async () => {
  await deleteKeysByPrefix(redisUrl(), prefix);
  await redis.quit();
  await provider.shutdown();
  trace.disable();
  context.disable();
});

async function outboxOf(id: string): Promise<Record<string, string>[]> {
  const entries = await redis.xrange(paymentKeys(prefix, id)[3], '-', '+');
  return entries.map(([, flat]) => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]))).filter((f) => f.paymentId === id);
}

/** Runs `fn` under a fresh span; returns what it returned and the traceparent that span stands for. */
const underSpan = <T>(fn: () => Promise<T>): Promise<{ value: T; traceparent: string }> =>
  tracer.startActiveSpan('request', async (span) => {
    try {
      const { traceId, spanId } = span.spanContext();
      return { value: await fn(), traceparent: `00-${traceId}-${spanId}-01` };
    } finally {
      span.end();
    }
  });

it('writes the active span into every entry, with and without guards; without a span an entry has no traceparent field', async () => {
  const id = randomUUID();
  const created = await underSpan(() => store.create(id, { id, amount: '100' }));
  await store.recordAttempt(id, 'provider-a');
  const read = await store.get(id);
  const guarded = await underSpan(() => store.transition(id, 'PENDING_REVIEW', { provider: 'provider-a' }, 'unknown', { ifAttempts: ['provider-a'], ifUnchanged: read?.fields }));
  const untraced = await store.transition(id, 'AUTHORIZED', {}, 'reconciled: charged');
  const entries = await outboxOf(id);
  expect(entries.map((e) => e.traceparent)).toEqual([created.traceparent, guarded.traceparent, undefined]);
  expect(Object.keys(entries[2]).sort()).toEqual(['auditId', 'paymentId', 'provider', 'status']);
  expect(untraced.from).toBe('PENDING_REVIEW');
});

it('an unguarded traced transition is not held to guards it never asked for, and a traced guard still refuses', async () => {
  const id = randomUUID();
  await store.create(id, { id, amount: '100' });
  await store.recordAttempt(id, 'provider-a');
  const stale = await store.get(id);
  await store.recordAttempt(id, 'provider-b');
  await expect(underSpan(() => store.transition(id, 'FAILED', {}, 'x', { ifAttempts: ['provider-a'] }))).rejects.toBeInstanceOf(PaymentAttemptsChangedError);
  await expect(underSpan(() => store.transition(id, 'FAILED', {}, 'x', { ifUnchanged: stale?.fields }))).rejects.toBeInstanceOf(PaymentChangedError);
  const done = await underSpan(() => store.transition(id, 'FAILED', {}, 'no provider took it'));
  expect((await outboxOf(id)).map((e) => e.traceparent)).toEqual([undefined, done.traceparent]);
});
