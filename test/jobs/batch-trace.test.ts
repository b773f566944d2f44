// Given tracing on (the SDK's TracerProvider, AsyncLocalStorage context and W3C propagator), real
// Redis and real BullMQ queues: the outbox groups' batch handlers (follow-up-groups.ts) run in
// whatever context the relay's round runs in, and a round is started by the kick of whichever
// request wrote last. Entries that carry no trace (a change recorded outside any request, e.g.
// by the abandoned-payment sweeper) must be enqueued in no trace, as the per-entry handlers do
// (inTraceOf(undefined)): otherwise their jobs, and the workers' spans, join a stranger's trace.
import { randomUUID } from 'node:crypto';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { core } from '@opentelemetry/sdk-node';
import type { OutboxEntry } from '@breakwater/redis-store';
import { followUpGroups } from '../../apps/payment-api/src/jobs/follow-ups/follow-up-groups';
import { PaymentStatus } from '../../apps/payment-api/src/payments/payment';
import { paymentKeys } from '../../apps/payment-api/src/payments/payment-keys';
import { createWorld, openQueue, startInstance, type JobsInstance, type World } from './support/jobs-harness';

jest.setTimeout(30_000);

describe('batched follow-ups of untraced entries', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = new AsyncLocalStorageContextManager();
  let world: World;
  let instance: JobsInstance;

  beforeAll(async () => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
    world = await createWorld('batch-trace');
    // No workers: the jobs stay in their queues to be looked at (and no relay runs: the groups are called here).
    instance = await startInstance({ sim: world.sim, keyPrefix: world.keyPrefix, auditFile: world.auditFile, workers: false, env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', LOG_LEVEL: 'silent' } });
    expect(instance.config.tracing).toBe(true);
  });

  afterAll(async () => {
    await instance?.close();
    await world?.cleanup();
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('enqueues them in no trace, even when the round runs inside a request trace', async () => {
    // Recorded outside any trace: its outbox entries carry no traceparent.
    const store = instance.gateway.store;
    const id = randomUUID();
    await store.create(id, { id, amount: '1000', currency: 'EUR', customerId: 'c-1', items: '[]', notify: JSON.stringify({ email: 'someone@example.com' }) });
    await store.transition(id, PaymentStatus.AUTHORIZED, { provider: 'stripe' }, 'authorized', {});
    const stream = paymentKeys(world.keyPrefix, id)[3];
    const entries: OutboxEntry[] = (await world.redis.xrange(stream, '-', '+'))
      .map(([entryId, flat]) => {
        const fields: Record<string, string> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
        return { stream, id: entryId, fields };
      })
      .filter((e) => e.fields.paymentId === id);
    expect(entries).toHaveLength(2);
    for (const e of entries) expect(e.fields.traceparent).toBeUndefined();

    const cannotFollowUp = (_entry: OutboxEntry, why: string): never => {
      throw new Error(why);
    };
    const groups = followUpGroups({ jobs: instance.jobs, store, cannotFollowUp });
    const tracer = trace.getTracer('batch-trace.test');
    // The round as a request's kick starts it: inside that request's span.
    const traceId = await tracer.startActiveSpan('POST /payments (another payment)', async (span) => {
      try {
        for (const group of groups) if (group.handleBatch !== undefined) await group.handleBatch(entries);
        return span.spanContext().traceId;
      } finally {
        span.end();
      }
    });

    const audit = openQueue(world, 'audit-export');
    const email = openQueue(world, 'notify-email');
    try {
      const exports = await audit.getJobs(['waiting', 'prioritized', 'delayed']);
      const notifications = (await email.getJobs(['waiting', 'prioritized', 'delayed'])).filter((j) => j.id === `${id}-email`);
      expect(exports.map((j) => j.name)).toEqual(['export-batch']);
      expect(notifications).toHaveLength(1);
      for (const job of [...exports, ...notifications]) expect(JSON.stringify(job.opts)).not.toContain(traceId);
      expect(exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId && s.instrumentationScope.name === 'bullmq')).toEqual([]);
    } finally {
      await audit.close();
      await email.close();
    }
  });
});
