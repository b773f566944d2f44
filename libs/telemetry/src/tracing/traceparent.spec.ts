import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { activeTraceparent, contextOfTraceparent, inTraceOf } from './traceparent';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

describe('traceparent with tracing off (no context manager, no tracer provider)', () => {
  it('there is no active traceparent, and work runs as it is', () => {
    expect(activeTraceparent()).toBeUndefined();
    expect(inTraceOf(`00-${TRACE}-${SPAN}-01`, () => 42)).toBe(42);
  });
});

describe('traceparent with tracing on', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  it('writes the running span as W3C traceparent, and a span started from it later is its child in the same trace', async () => {
    const tracer = trace.getTracer('traceparent.spec');
    const carried = tracer.startActiveSpan('request', (span) => {
      span.end();
      return { value: activeTraceparent(), traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
    });
    expect(carried.value).toBe(`00-${carried.traceId}-${carried.spanId}-01`);
    // Picked up elsewhere, inside another span's context: the carried trace wins, not the other span's.
    await tracer.startActiveSpan('unrelated', async (other) => {
      await inTraceOf(carried.value, async () => {
        await Promise.resolve();
        tracer.startSpan('follow-up').end();
      });
      other.end();
    });
    const followUp = exporter.getFinishedSpans().find((s) => s.name === 'follow-up');
    expect(followUp?.spanContext().traceId).toBe(carried.traceId);
    expect(followUp?.parentSpanContext).toMatchObject({ spanId: carried.spanId, isRemote: true });
  });

  it('runs work with no traceparent, or an unusable one, in the root context, not in the context it was picked up in', () => {
    const tracer = trace.getTracer('traceparent.spec');
    tracer.startActiveSpan('picker', (span) => {
      for (const value of [undefined, '', 'garbage', `ff-${TRACE}-${SPAN}-01`, `00-${'0'.repeat(32)}-${SPAN}-01`, `00-${TRACE}-${SPAN}-01-extra`]) {
        expect(inTraceOf(value, () => trace.getActiveSpan())).toBeUndefined();
      }
      span.end();
    });
  });

  it('reads a future version with extra fields, and keeps only the sampled flag', () => {
    const ctx = contextOfTraceparent(`01-${TRACE}-${SPAN}-03-more`);
    expect(trace.getSpanContext(ctx ?? ROOT_CONTEXT)).toEqual({ traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true });
  });
});
