// Time to detect and time to recover, read from the rounds of GET /breakers polls.
import { fleetClosedAt, fleetOpenAt, type PollRound } from '../../chaos/metrics/breaker-timeline';
import { serviceRecoveredAt } from '../../chaos/metrics/recovery';
import type { Bucket } from '../../chaos/metrics/timeline';

const round = (atMs: number, a: string | null, b: string | null): PollRound => ({
  atMs,
  views: { 'http://127.0.0.1:1': a === null ? null : { 'provider-a': a, fraud: 'CLOSED' }, 'http://127.0.0.1:2': b === null ? null : { 'provider-a': b, fraud: 'CLOSED' } },
});

describe('the breaker timeline', () => {
  const rounds = [round(0, 'CLOSED', 'CLOSED'), round(1_000, 'OPEN', 'CLOSED'), round(1_250, 'OPEN', 'OPEN'), round(5_000, 'HALF_OPEN', 'OPEN'), round(6_000, 'CLOSED', 'CLOSED'), round(6_250, 'CLOSED', null), round(6_500, 'CLOSED', 'CLOSED'), round(7_000, 'CLOSED', 'CLOSED')];

  it('detects the fault when every instance that answers sees the breaker refuse calls', () => {
    expect(fleetOpenAt(rounds, 'provider-a', 500)).toBe(1_250);
    expect(fleetOpenAt(rounds, 'fraud', 0)).toBeNull();
  });

  it('calls the fleet whole from the round after which every instance answers with everything CLOSED', () => {
    expect(fleetClosedAt(rounds, 5_500)).toBe(6_500); // 6,000 did not last: an instance stopped answering
    expect(fleetClosedAt(rounds.slice(0, 4), 0)).toBeNull();
  });

  it('calls the service recovered from the bucket after which every bucket meets the steady state', () => {
    const bucket = (startMs: number, available: number, p95: number): Bucket => ({ startMs, sent: 100, available, p50: p95 / 2, p95, p99: p95 });
    const series = [bucket(0, 100, 20), bucket(1_000, 90, 20), bucket(2_000, 100, 300), bucket(3_000, 100, 25), bucket(4_000, 100, 22)];
    expect(serviceRecoveredAt(series, 1_000, { minAvailability: 0.99, maxP95Ms: 50 })).toBe(3_000);
    expect(serviceRecoveredAt(series.slice(0, 3), 1_000, { minAvailability: 0.99, maxP95Ms: 50 })).toBeNull();
  });
});
