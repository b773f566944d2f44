// Given one payment-api instance, when provider-a goes down and its breaker trips, then GET /metrics
// shows it the way a resilience4j user expects to read it: the state gauge at OPEN, the failed
// calls, the transition, the calls not permitted afterwards, the retries by kind, and the bulkhead,
// timeout and fleet-mode series beside them, each with the instance's id.
import { MetricNames } from '@breakwater/telemetry';
import { parsePrometheusText, samplesOf, valueOf, type Sample } from '../support/prometheus-text';
import { waitFor } from '../support/wait-for';
import { breakerState, pay, SimulatorClient } from './support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';

const MINIMUM_CALLS = 5; // TEST_ENV: DOWNSTREAM_PROVIDER_A_BREAKER_MINIMUM_CALLS

async function scrape(url: string): Promise<Sample[]> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

describe('resilience metrics on GET /metrics', () => {
  // Open for a minute: no half-open probe blurs the counts.
  const stack = new PaymentStack({ label: 'metrics', instances: 1, downstreams: { 'provider-a': { breaker: { openBaseMs: 60_000, openMaxMs: 60_000, openJitter: 0 } } } });
  let sim: SimulatorClient;

  beforeAll(async () => {
    await stack.start();
    sim = new SimulatorClient(stack.sim.url);
  }, STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);

  it(
    'shows a real breaker trip: state, failed calls, the transition, refused calls and the retries around them',
    stack.scenario(async () => {
      const url = stack.url(0);
      const provider = { name: 'provider-a' };
      expect((await pay(url)).provider).toBe('provider-a');
      let before = await scrape(url);
      expect(valueOf(before, MetricNames.breakerState, { ...provider, state: 'CLOSED' })).toBe(1);
      expect(valueOf(before, MetricNames.breakerState, { ...provider, state: 'OPEN' })).toBe(0);
      expect(valueOf(before, `${MetricNames.breakerCalls}_count`, { ...provider, kind: 'successful' })).toBeGreaterThanOrEqual(1);
      expect(valueOf(before, MetricNames.retryCalls, { ...provider, kind: 'successful_without_retry' })).toBeGreaterThanOrEqual(1);
      expect(valueOf(before, MetricNames.breakerNotPermitted, provider)).toBe(0);

      await sim.fault('provider-a', { mode: 'down' });
      await waitFor(
        async () => {
          await pay(url);
          return (await breakerState(url, 'provider-a')) === 'OPEN';
        },
        { timeoutMs: 15_000, intervalMs: 0, description: 'provider-a OPEN' },
      );
      before = await scrape(url);
      const refusedBefore = valueOf(before, MetricNames.breakerNotPermitted, provider);
      expect((await pay(url)).provider).toBe('provider-b');

      const after = await scrape(url);
      expect(valueOf(after, MetricNames.breakerState, { ...provider, state: 'OPEN' })).toBe(1);
      expect(valueOf(after, MetricNames.breakerState, { ...provider, state: 'CLOSED' })).toBe(0);
      expect(valueOf(after, MetricNames.breakerTransitions, { ...provider, from: 'CLOSED', to: 'OPEN' })).toBe(1);
      // The window that tripped it: at least minimumCalls calls (the first payment's success among them), most of them failed.
      const failed = valueOf(after, `${MetricNames.breakerCalls}_count`, { ...provider, kind: 'failed' });
      expect(failed + valueOf(after, `${MetricNames.breakerCalls}_count`, { ...provider, kind: 'successful' })).toBeGreaterThanOrEqual(MINIMUM_CALLS);
      expect(failed).toBeGreaterThanOrEqual(MINIMUM_CALLS - 1);
      expect(valueOf(after, MetricNames.breakerNotPermitted, provider)).toBeGreaterThan(refusedBefore);
      // provider-a answered 503 "not processed": retried, then given up.
      expect(valueOf(after, MetricNames.retryCalls, { ...provider, kind: 'failed_with_retry' })).toBeGreaterThanOrEqual(1);
      // provider-b took the payments.
      expect(valueOf(after, MetricNames.breakerState, { name: 'provider-b', state: 'CLOSED' })).toBe(1);
      expect(valueOf(after, `${MetricNames.breakerCalls}_count`, { name: 'provider-b', kind: 'successful' })).toBeGreaterThanOrEqual(1);

      // The gauges read at scrape time.
      const limit = valueOf(after, MetricNames.bulkheadMaxAllowed, provider);
      expect(limit).toBeGreaterThan(0);
      expect(valueOf(after, MetricNames.bulkheadAvailable, provider)).toBe(limit);
      expect(valueOf(after, MetricNames.bulkheadInFlight, provider)).toBe(0);
      expect(valueOf(after, MetricNames.bulkheadQueued, provider)).toBe(0);
      expect(valueOf(after, MetricNames.fleetMode, { mode: 'fleet' })).toBe(1);
      expect(valueOf(after, MetricNames.fleetMode, { mode: 'local' })).toBe(0);
      expect(valueOf(after, MetricNames.breakerBufferedCalls, provider)).toBeGreaterThanOrEqual(0);

      // Every series carries the instance id; none carries a label value from a request.
      const ours = after.filter((s) => s.name.startsWith('breakwater_circuitbreaker_') || s.name.startsWith('breakwater_bulkhead_') || s.name.startsWith('breakwater_retry_'));
      expect(ours.length).toBeGreaterThan(0);
      expect(ours.every((s) => s.labels.instance_id === 'metrics-api-1')).toBe(true);
      expect(samplesOf(after, MetricNames.breakerState).length).toBe(8 * 5); // 8 downstreams x 5 states
    }),
  );
});
