import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { bulkhead, createLocalBreaker, wrap } from '@breakwater/resilience';
import { Decisions, SpanAttributes, SpanEvents, SpanNames } from '../attribute-names';
import { ResilienceTracing } from './resilience-tracing';
import { tracedCalls } from './traced-calls';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
});
afterEach(() => exporter.reset());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

describe('ResilienceTracing with tracedCalls', () => {
  it('marks a call the breaker let through as allowed, and one it refused as rejected with the state it refused in', async () => {
    const breaker = createLocalBreaker('fraud');
    const tracing = new ResilienceTracing();
    tracing.breaker(breaker);
    const chain = tracedCalls({ downstream: 'fraud', chain: wrap(breaker), breaker });

    await chain.execute(async () => 'scored');
    await breaker.forceOpen();
    await expect(chain.execute(async () => 'scored')).rejects.toMatchObject({ code: 'BREAKER_OPEN' });

    const calls = exporter.getFinishedSpans().filter((s) => s.name === SpanNames.downstreamCall('fraud'));
    expect(calls.map((s) => [s.attributes[SpanAttributes.decision], s.attributes[SpanAttributes.breakerState]])).toEqual([
      [Decisions.allowed, 'CLOSED'],
      [Decisions.rejected, 'FORCED_OPEN'],
    ]);
    expect(calls[1].attributes[SpanAttributes.errorType]).toBe('BREAKER_OPEN');
    breaker.dispose();
  });

  it('gives a transition outside any span a short span of its own, and one inside a call an event on that call', async () => {
    const breaker = createLocalBreaker('inventory', { minimumCalls: 1, failureRateThreshold: 0.5 });
    new ResilienceTracing().breaker(breaker);
    await breaker.forceOpen();
    const [alone] = exporter.getFinishedSpans();
    expect(alone.name).toBe(SpanNames.transition);
    expect(alone.parentSpanContext).toBeUndefined();
    expect(alone.events[0].attributes).toMatchObject({ [SpanAttributes.breakerName]: 'inventory', [SpanAttributes.transitionTo]: 'FORCED_OPEN', [SpanAttributes.transitionReason]: 'forced-open' });

    await breaker.reset();
    exporter.reset();
    const chain = tracedCalls({ downstream: 'inventory', chain: breaker, breaker });
    await expect(chain.execute(async () => Promise.reject(new Error('503')))).rejects.toThrow('503');
    const [call] = exporter.getFinishedSpans();
    expect(call.name).toBe(SpanNames.downstreamCall('inventory'));
    expect(call.events.find((e) => e.name === SpanEvents.transition)?.attributes).toMatchObject({ [SpanAttributes.transitionFrom]: 'CLOSED', [SpanAttributes.transitionTo]: 'OPEN' });
    breaker.dispose();
  });

  it('puts a bulkhead rejection on the running span, and records nothing when no span runs', async () => {
    const limiting = bulkhead('provider-a', { maxConcurrent: 1 });
    new ResilienceTracing().bulkhead(limiting);
    let release = (): void => undefined;
    const holding = limiting.execute(() => new Promise<void>((resolve) => (release = resolve)));
    await expect(limiting.execute(async () => 'x')).rejects.toMatchObject({ code: 'BULKHEAD_REJECTED' });
    await expect(tracedCalls({ downstream: 'provider-a', chain: limiting }).execute(async () => 'x')).rejects.toMatchObject({ code: 'BULKHEAD_REJECTED' });
    release();
    await holding;
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0].events.map((e) => [e.name, e.attributes?.[SpanAttributes.bulkheadReason]])).toEqual([[SpanEvents.bulkheadRejected, 'full']]);
  });
});
