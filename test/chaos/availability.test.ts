// The availability rule: 2xx, or a 503 with Retry-After where no fallback exists.
import { availability, isAvailable } from '../../chaos/metrics/availability';
import { phaseStats } from '../../chaos/metrics/phase-stats';
import type { Sample } from '../../chaos/load/sample';

const withFallback = { refusalIsCorrect: false };
const noFallback = { refusalIsCorrect: true };

function sample(status: number, dueAt = 0, retryAfter?: string, latencyMs = 10): Sample {
  const s: Sample = { seq: 0, idempotencyKey: 'k', dueAt, sentAt: dueAt, doneAt: dueAt + latencyMs, latencyMs, status };
  if (retryAfter !== undefined) s.retryAfter = retryAfter;
  return s;
}

describe('availability', () => {
  it('a 2xx is always available', () => {
    expect(isAvailable(sample(201), withFallback)).toBe(true);
    expect(isAvailable(sample(200), noFallback)).toBe(true);
  });

  it('a 503 with Retry-After is available only where no fallback exists', () => {
    expect(isAvailable(sample(503, 0, '2'), noFallback)).toBe(true);
    expect(isAvailable(sample(503, 0, '2'), withFallback)).toBe(false);
  });

  it('a 503 without Retry-After, a 500, a 409 and no answer are never available', () => {
    for (const s of [sample(503), sample(503, 0, ''), sample(500, 0, '1'), sample(409), sample(0)]) expect(isAvailable(s, noFallback)).toBe(false);
  });

  it('is the available share, and unknown (null) for an empty window', () => {
    expect(availability([sample(201), sample(201), sample(503, 0, '1'), sample(500)], noFallback)).toBe(0.75);
    expect(availability([], noFallback)).toBeNull();
  });

  it('given a fault from 10 s to 20 s with no fallback, a refusal counts during the fault only', () => {
    const samples = [sample(201, 1_000), sample(503, 2_000, '1'), sample(503, 12_000, '1'), sample(201, 15_000), sample(503, 25_000, '1'), sample(201, 26_000)];
    const [before, during, after] = phaseStats(samples, { startMs: 10_000, endMs: 20_000, loadStartMs: 0, loadEndMs: 30_000 }, noFallback);
    expect([before?.availability, during?.availability, after?.availability]).toEqual([0.5, 1, 0.5]);
    expect(during?.throughput).toBeCloseTo(0.2); // two available answers in 10 s
    expect(before?.statuses).toEqual({ '201': 1, '503': 1 });
  });
});
