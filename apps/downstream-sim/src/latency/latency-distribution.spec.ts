// The default latency has the shape we claim: a median near the configured one, a tail well
// above it, nothing negative and nothing past the cap. A seeded generator keeps it repeatable.
import { logNormalLatency } from './latency-distribution';

/** Mulberry32: a small seeded generator, so the sample is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

it('draws a log-normal latency: median as configured, a long tail, capped', () => {
  const random = seeded(42);
  const latency = logNormalLatency(15, 0.5, 60);
  const samples = Array.from({ length: 20_000 }, () => latency.sample(random)).sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.floor(q * (samples.length - 1))] ?? Number.NaN;
  expect(at(0.5)).toBeGreaterThan(14);
  expect(at(0.5)).toBeLessThan(16);
  expect(at(0.99)).toBeGreaterThan(40); // e^(2.33 x 0.5) x 15 = 48
  expect(at(0)).toBeGreaterThan(0);
  expect(at(1)).toBeLessThanOrEqual(60);
  expect(new Set(samples.slice(0, 100)).size).toBeGreaterThan(90); // not a constant
});
