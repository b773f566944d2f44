// Given a payment-api gateway with tracing on (the SDK's in-memory exporter in place of OTLP, the
// same TracerProvider and AsyncLocalStorage context manager the SDK sets up), real Redis and the
// simulator over real HTTP: when provider-a goes down, its calls carry retry events and its breaker
// trips; then a payment through the tripped breaker has a provider-a span that says rejected and
// OPEN, a provider-b span that says allowed, and the trip itself is in the traces.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { Decisions, SpanAttributes, SpanEvents, SpanNames } from '@breakwater/telemetry';
import { startSimulator, type RunningSimulator } from '../../apps/downstream-sim/src/simulator';
import { loadAppConfig } from '../../apps/payment-api/src/config/app-config';
import { Gateway } from '../../apps/payment-api/src/gateway';
import { validatePaymentRequest } from '../../apps/payment-api/src/payments/payment-request';
import { paymentBody, newKey, SimulatorClient } from '../e2e/support/http-clients';
import { deleteKeysByPrefix, redisUrl, uniquePrefix } from '../support/redis-server';

const SHIPPED_DOWNSTREAMS = join(__dirname, '..', '..', 'apps', 'payment-api', 'config', 'downstreams.json');

describe('traces of payments through the resilience policies', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = new AsyncLocalStorageContextManager();
  const keyPrefix = uniquePrefix('traces');
  let tracer: Tracer;
  let sim: RunningSimulator;
  let dir: string;
  let gateway: Gateway;

  beforeAll(async () => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
    tracer = trace.getTracer('payment-traces.test');
    sim = await startSimulator({ port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'breakwater-traces-'));
    // provider-a stays open for a minute once tripped, so the traced payment meets it OPEN.
    const shipped = JSON.parse(await readFile(SHIPPED_DOWNSTREAMS, 'utf8')) as { defaults: object; downstreams: Record<string, { breaker?: object }> };
    shipped.downstreams['provider-a'] = { ...shipped.downstreams['provider-a'], breaker: { minimumCalls: 5, openBaseMs: 60_000, openMaxMs: 60_000, openJitter: 0 } };
    const downstreamsFile = join(dir, 'downstreams.json');
    await writeFile(downstreamsFile, JSON.stringify(shipped));
    const config = loadAppConfig({
      ...process.env,
      PORT: '0',
      SIM_URL: sim.url,
      REDIS_URL: redisUrl(),
      KEY_PREFIX: keyPrefix,
      AUDIT_EXPORT_FILE: join(dir, 'audit.jsonl'),
      ADMIN_TOKEN: '',
      DOWNSTREAMS_CONFIG: downstreamsFile,
      LOG_LEVEL: 'silent',
      // What turns tracing on; nothing is sent there: the spans go to the in-memory exporter.
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
    });
    expect(config.tracing).toBe(true);
    gateway = new Gateway(config);
    await gateway.policies.fleet.ready();
  });

  afterAll(async () => {
    await gateway?.close();
    await sim?.close();
    await deleteKeysByPrefix(redisUrl(), keyPrefix);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  /** One payment under a span standing in for the HTTP server span; its spans, the request's first. */
  async function tracedPayment(): Promise<{ status: number; spans: ReadableSpan[] }> {
    exporter.reset();
    const validation = validatePaymentRequest(paymentBody());
    if (!validation.ok) throw new Error(`a bad test body: ${JSON.stringify(validation.errors)}`);
    const request = validation.value;
    const { status, traceId } = await tracer.startActiveSpan('POST /payments', async (span) => {
      try {
        return { status: (await gateway.flow.submit(newKey(), request)).status, traceId: span.spanContext().traceId };
      } finally {
        span.end();
      }
    });
    await provider.forceFlush();
    return { status, spans: exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId) };
  }

  const callSpans = (spans: readonly ReadableSpan[], downstream: string): ReadableSpan[] => spans.filter((s) => s.name === SpanNames.downstreamCall(downstream));

  it('traces each downstream call with its breaker and decision, and puts the cache lookup on the request', async () => {
    const { status, spans } = await tracedPayment();
    expect(status).toBe(201);
    const root = spans.find((s) => s.name === 'POST /payments');
    const [charge] = callSpans(spans, 'provider-a');
    expect(charge.attributes).toMatchObject({
      [SpanAttributes.downstream]: 'provider-a',
      [SpanAttributes.breakerName]: 'provider-a',
      [SpanAttributes.breakerState]: 'CLOSED',
      [SpanAttributes.decision]: Decisions.allowed,
    });
    expect(charge.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(callSpans(spans, 'fraud')).toHaveLength(1);
    // Inventory is read through the cache, outside any downstream's chain: the event is the request's.
    expect(root?.events.map((e) => e.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^breakwater\.cache\.(hit|miss)$/)]));
  });

  it('shows retries while provider-a fails, the trip, and then a payment through the tripped breaker: rejected at OPEN, then provider-b', async () => {
    await new SimulatorClient(sim.url).fault('provider-a', { mode: 'down' });
    const transitions: ReadableSpan[] = [];
    let retried: ReadableSpan | undefined;
    for (let i = 0; i < 10 && gateway.policies.breaker('provider-a').state !== 'OPEN'; i++) {
      const { spans } = await tracedPayment();
      retried ??= callSpans(spans, 'provider-a').find((s) => s.events.some((e) => e.name === SpanEvents.retry));
      transitions.push(...spans.filter((s) => s.events.some((e) => e.name === SpanEvents.transition)));
    }
    // A trip decided in a flush (outside any request) is a span of its own; look among every span.
    transitions.push(...exporter.getFinishedSpans().filter((s) => s.name === SpanNames.transition));
    expect(gateway.policies.breaker('provider-a').state).toBe('OPEN');

    const retry = retried?.events.find((e) => e.name === SpanEvents.retry);
    expect(retry?.attributes).toMatchObject({ [SpanAttributes.retryPolicy]: 'provider-a', [SpanAttributes.retryAttempt]: 2 });
    expect(retry?.attributes?.[SpanAttributes.retryDelayMs]).toEqual(expect.any(Number));
    const trip = transitions.flatMap((s) => s.events).find((e) => e.name === SpanEvents.transition && e.attributes?.[SpanAttributes.transitionTo] === 'OPEN');
    expect(trip?.attributes).toMatchObject({ [SpanAttributes.breakerName]: 'provider-a', [SpanAttributes.transitionFrom]: 'CLOSED', [SpanAttributes.transitionReason]: 'failure-rate' });

    const { status, spans } = await tracedPayment();
    expect(status).toBe(201);
    const [refused] = callSpans(spans, 'provider-a');
    expect(refused.attributes).toMatchObject({
      [SpanAttributes.breakerName]: 'provider-a',
      [SpanAttributes.breakerState]: 'OPEN',
      [SpanAttributes.decision]: Decisions.rejected,
      [SpanAttributes.errorType]: 'BREAKER_OPEN',
    });
    // Refused at once: no retry of an open breaker.
    expect(refused.events.filter((e) => e.name === SpanEvents.retry)).toEqual([]);
    const [fellBack] = callSpans(spans, 'provider-b');
    expect(fellBack.attributes).toMatchObject({ [SpanAttributes.breakerName]: 'provider-b', [SpanAttributes.breakerState]: 'CLOSED', [SpanAttributes.decision]: Decisions.allowed });
    expect(fellBack.attributes[SpanAttributes.errorType]).toBeUndefined();
  });
});
