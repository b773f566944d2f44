// Given a payment-api instance with tracing on (the SDK's in-memory exporter, the TracerProvider,
// AsyncLocalStorage context manager and W3C propagator the SDK sets up), real Redis, real BullMQ
// workers and the simulator over real HTTP: a payment's follow-ups, made by the outbox relay
// long after the request's own spans ended, are in the request's trace. The outbox entry carries
// the request's traceparent, the relay enqueues in it, BullMQ carries it to the worker: the
// notification's consumer span and its call to the simulator, and the audit export's consumer
// span, descend from the request span. A dead letter replayed by an operator goes back into the
// payment's trace, linked to the replay request.
import { context, propagation, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { core } from '@opentelemetry/sdk-node';
import { Decisions, SpanAttributes, SpanNames } from '@breakwater/telemetry';
import type { DeadLetterData } from '../../apps/payment-api/src/jobs/job-data';
import { paymentKeys } from '../../apps/payment-api/src/payments/payment-keys';
import { validatePaymentRequest } from '../../apps/payment-api/src/payments/payment-request';
import { newKey, paymentBody } from '../e2e/support/http-clients';
import { waitFor } from '../support/wait-for';
import { auditLines, clearFaults, createWorld, deliveries, openQueue, setFault, startInstance, type JobsInstance, type World } from '../jobs/support/jobs-harness';

jest.setTimeout(60_000);

describe("a payment's follow-ups are in the request's trace", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = new AsyncLocalStorageContextManager();
  let tracer: Tracer;
  let world: World;
  let instance: JobsInstance;

  beforeAll(async () => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
    tracer = trace.getTracer('follow-up-traces.test');
    world = await createWorld('follow-up-traces');
    instance = await startInstance({
      sim: world.sim,
      keyPrefix: world.keyPrefix,
      auditFile: world.auditFile,
      // What turns tracing on; nothing is sent there: the spans go to the in-memory exporter.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', LOG_LEVEL: 'silent' },
      queues: { 'notify-email': { attempts: 2, backoffBaseMs: 50, backoffCapMs: 100 } },
    });
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

  /** One payment with an email notification, under a span standing in for the HTTP server span. */
  async function tracedPayment(): Promise<{ paymentId: string; traceId: string; rootSpanId: string }> {
    const validation = validatePaymentRequest(paymentBody({ notify: { email: 'buyer@example.com' } }));
    if (!validation.ok) throw new Error(`a bad test body: ${JSON.stringify(validation.errors)}`);
    const request = validation.value;
    return tracer.startActiveSpan('POST /payments', async (span) => {
      try {
        const result = await instance.gateway.flow.submit(newKey(), request);
        expect(result.status).toBe(201);
        const paymentId = (result.body as { id: string }).id;
        return { paymentId, traceId: span.spanContext().traceId, rootSpanId: span.spanContext().spanId };
      } finally {
        span.end();
      }
    });
  }

  const inTrace = (traceId: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const parentOf = (spans: readonly ReadableSpan[], span: ReadableSpan | undefined): ReadableSpan | undefined => spans.find((s) => s.spanContext().spanId === span?.parentSpanContext?.spanId);
  /** Whether `span` descends from `ancestor` through spans of the same trace. */
  const descends = (spans: readonly ReadableSpan[], span: ReadableSpan | undefined, ancestorSpanId: string): boolean => {
    for (let s = span; s !== undefined; s = parentOf(spans, s)) if (s.parentSpanContext?.spanId === ancestorSpanId) return true;
    return false;
  };
  const consumerSpans = (spans: readonly ReadableSpan[], queue: string): ReadableSpan[] => spans.filter((s) => s.name === `process ${queue}` && s.kind === SpanKind.CONSUMER);

  it('puts the email notification (its consumer span and the simulator call) and the audit export under the request span', async () => {
    const { paymentId, traceId, rootSpanId } = await tracedPayment();

    // The outbox entries carry the request's trace.
    const entries = await world.redis.xrange(paymentKeys(world.keyPrefix, paymentId)[3], '-', '+');
    const ours = entries.map(([, flat]) => flat).filter((flat) => flat[1] === paymentId);
    expect(ours.length).toBeGreaterThanOrEqual(2);
    for (const flat of ours) expect(flat[flat.indexOf('traceparent') + 1]).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    await waitFor(async () => (await deliveries(world.sim, 'notify-email')).length === 1, { timeoutMs: 10_000, description: 'the email delivered' });
    await waitFor(async () => (await auditLines(world.auditFile)).filter((l) => l.paymentId === paymentId).length === 2, { timeoutMs: 10_000, description: 'both audit entries exported' });
    // At least: a run that fails and is retried (an audit export overtaken by another) is a span of its own.
    await waitFor(() => consumerSpans(inTrace(traceId), 'notify-email').length >= 1 && consumerSpans(inTrace(traceId), 'audit-export').length >= 2, {
      timeoutMs: 5_000,
      description: 'the consumer spans of the notification and of both audit exports',
    });
    const spans = inTrace(traceId);

    const notify = consumerSpans(spans, 'notify-email').find((s) => s.status.code !== SpanStatusCode.ERROR);
    expect(descends(spans, notify, rootSpanId)).toBe(true);
    const enqueued = parentOf(spans, notify);
    expect(enqueued).toMatchObject({ name: 'add notify-email.notify', kind: SpanKind.PRODUCER });
    const call = spans.find((s) => s.name === SpanNames.downstreamCall('notify-email') && s.parentSpanContext?.spanId === notify?.spanContext().spanId);
    expect(call?.attributes).toMatchObject({ [SpanAttributes.breakerName]: 'notify-email', [SpanAttributes.decision]: Decisions.allowed });

    for (const exported of consumerSpans(spans, 'audit-export')) {
      expect(parentOf(spans, exported)).toMatchObject({ name: 'add audit-export.export', kind: SpanKind.PRODUCER });
      expect(descends(spans, exported, rootSpanId)).toBe(true);
    }
    // BullMQ's own housekeeping (fetches that find nothing, stalled checks) makes no traces of its own.
    expect(exporter.getFinishedSpans().filter((s) => s.instrumentationScope.name === 'bullmq' && s.parentSpanContext === undefined)).toEqual([]);
  });

  it('replays a dead-lettered notification back into the payment trace, linked to the replay request', async () => {
    await setFault(world.sim, 'notify-email', { mode: 'down' });
    const { paymentId, traceId, rootSpanId } = await tracedPayment();
    const jobId = `${paymentId}-email`;
    await waitFor(async () => (await instance.jobs.queueCounts()).some((c) => c.name === 'notify-email' && c.deadLetter === 1), { timeoutMs: 15_000, description: 'the email in the dead-letter queue' });
    const dead = openQueue<DeadLetterData>(world, 'notify-email', true);
    try {
      const letter = await dead.getJob(jobId);
      expect(JSON.parse(letter?.data.telemetry ?? '{}')).toMatchObject({ traceparent: expect.stringMatching(new RegExp(`^00-${traceId}-`)) });
    } finally {
      await dead.close();
    }
    await clearFaults(world.sim);
    const before = consumerSpans(inTrace(traceId), 'notify-email').map((s) => s.spanContext().spanId);

    const operator = await tracer.startActiveSpan('POST /queues/notify-email/dead-letter/replay', async (span) => {
      try {
        expect(await instance.jobs.replayDeadLetters('notify-email')).toBe(1);
        return span.spanContext();
      } finally {
        span.end();
      }
    });

    await waitFor(async () => (await deliveries(world.sim, 'notify-email')).some((d) => d.idempotencyKey === jobId), { timeoutMs: 10_000, description: 'the replayed email delivered' });
    const replayedRun = (): ReadableSpan | undefined => consumerSpans(inTrace(traceId), 'notify-email').find((s) => !before.includes(s.spanContext().spanId) && s.status.code !== SpanStatusCode.ERROR);
    await waitFor(() => replayedRun() !== undefined, { timeoutMs: 5_000, description: "the replayed run's consumer span in the payment's trace" });
    const spans = inTrace(traceId);
    const replay = spans.find((s) => s.name === SpanNames.deadLetterReplay);
    expect(replay?.attributes).toMatchObject({ [SpanAttributes.jobQueue]: 'notify-email', [SpanAttributes.jobId]: jobId });
    expect(replay?.links.map((l) => l.context.spanId)).toEqual([operator.spanId]);
    expect(descends(spans, replay, rootSpanId)).toBe(true);
    expect(descends(spans, replayedRun(), replay?.spanContext().spanId ?? '')).toBe(true);
    const call = spans.filter((s) => s.name === SpanNames.downstreamCall('notify-email')).find((s) => s.parentSpanContext?.spanId === replayedRun()?.spanContext().spanId);
    expect(call?.attributes[SpanAttributes.errorType]).toBeUndefined();
  });
});
