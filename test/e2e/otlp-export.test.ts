// Given a payment-api process started with OTEL_EXPORTER_OTLP_ENDPOINT (http/json) pointing at a
// receiver on loopback, when a payment is made, then the receiver gets one trace holding the
// request's server span and, under it, a span per downstream call with its breaker's name, state
// and decision: the SDK started in main.ts before anything else loaded, and exports for real.
// Fastify's and Nest's spans sit between, and the audit export's worker span joins the trace.
// A payment that falls back from provider A to B is one trace too, with the email worker's span.
import { SpanAttributes, SpanNames } from '@breakwater/telemetry';
import { OtlpReceiver } from '../support/otlp-receiver';
import { waitFor } from '../support/wait-for';
import { pay, paymentBody, SimulatorClient } from './support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';

describe('OTLP export of a payment trace', () => {
  let receiver: OtlpReceiver;
  let stack: PaymentStack;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    stack = new PaymentStack({
      label: 'otlp',
      instances: 1,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
    await stack.start();
  }, STACK_START_TIMEOUT_MS);
  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
  }, STACK_STOP_TIMEOUT_MS);

  it('sends the request span with the downstream call spans under it', async () => {
    const answer = await pay(stack.url(0));
    expect(answer.provider).toBe('provider-a');
    const providerSpan = (): (typeof receiver.spans)[number] | undefined => receiver.spans.find((s) => s.name === SpanNames.downstreamCall('provider-a'));
    await waitFor(() => providerSpan() !== undefined && receiver.spans.some((s) => s.parentSpanId === '' && s.traceId === providerSpan()?.traceId), {
      timeoutMs: 10_000,
      description: 'the payment trace at the receiver',
    });
    const charge = providerSpan();
    expect(charge?.attributes).toMatchObject({ [SpanAttributes.breakerName]: 'provider-a', [SpanAttributes.breakerState]: 'CLOSED', [SpanAttributes.decision]: 'allowed' });
    expect(charge?.service).toBe('payment-api');
    const trace = receiver.spans.filter((s) => s.traceId === charge?.traceId);
    const root = trace.find((s) => s.parentSpanId === '');
    // The HTTP server span of POST /payments, from the http instrumentation.
    expect(root?.name).toMatch(/^POST/);
    expect(trace.map((s) => s.name)).toEqual(expect.arrayContaining([SpanNames.downstreamCall('fraud'), SpanNames.downstreamCall('provider-a')]));
    // The provider's HTTP client span (undici) sits under the breaker's span.
    expect(trace.some((s) => s.parentSpanId === charge?.spanId)).toBe(true);
    // Between the server span and the calls: Fastify's request span (@fastify/otel) and the Nest
    // controller's (instrumentation-nestjs-core); the calls hang under the handler.
    const parentOf = (span: (typeof trace)[number] | undefined): (typeof trace)[number] | undefined => trace.find((s) => s.spanId === span?.parentSpanId);
    const ancestors: string[] = [];
    for (let s = parentOf(charge); s !== undefined; s = parentOf(s)) ancestors.push(s.name);
    expect(ancestors).toEqual(expect.arrayContaining(['PaymentsController.create', 'request', root?.name]));
    // The follow-ups come later, from the outbox relay through BullMQ, in the same trace.
    await waitFor(() => receiver.spans.some((s) => s.traceId === charge?.traceId && s.name === 'process audit-export'), { timeoutMs: 10_000, description: "the audit export's consumer span in the payment's trace" });
  });

  it('sends the whole trace of a payment that fell back from provider A to B, the worker\'s notification span included', async () => {
    const sim = new SimulatorClient(stack.sim.url);
    await sim.fault('provider-a', { mode: 'down' });
    try {
      const answer = await pay(stack.url(0), paymentBody({ notify: { email: 'traced@example.com' } }));
      expect(answer.provider).toBe('provider-b');
      const inTrace = (traceId: string | undefined): typeof receiver.spans => receiver.spans.filter((s) => s.traceId === traceId);
      const fallback = (): (typeof receiver.spans)[number] | undefined => receiver.spans.find((s) => s.name === SpanNames.downstreamCall('provider-b'));
      await waitFor(() => fallback() !== undefined && inTrace(fallback()?.traceId).some((s) => s.name === 'process notify-email'), {
        timeoutMs: 15_000,
        description: "the fallback payment's trace with the email worker's span",
      });
      const trace = inTrace(fallback()?.traceId);
      // One trace: the request, provider A's failed call, provider B's charge, and the email sent by a worker.
      expect(trace.filter((s) => s.parentSpanId === '').map((s) => s.name)).toEqual([expect.stringMatching(/^POST/)]);
      expect(trace.map((s) => s.name)).toEqual(expect.arrayContaining([SpanNames.downstreamCall('provider-a'), SpanNames.downstreamCall('provider-b'), 'process notify-email']));
      expect(trace.find((s) => s.name === SpanNames.downstreamCall('provider-b'))?.attributes).toMatchObject({ [SpanAttributes.breakerName]: 'provider-b', [SpanAttributes.decision]: 'allowed' });
      const worker = trace.find((s) => s.name === 'process notify-email');
      expect(trace.some((s) => s.parentSpanId === worker?.spanId && s.name === SpanNames.downstreamCall('notify-email'))).toBe(true);
    } finally {
      await sim.clearFaults();
    }
  });
});
