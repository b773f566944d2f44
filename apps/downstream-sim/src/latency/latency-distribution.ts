// How long a simulated service takes to answer. Real service latencies are not constant: most
// calls sit near the median and a few take several times longer, which is what trips slow-call
// thresholds in practice. A log-normal distribution has exactly that shape.

export type Random = () => number;

export interface LatencyDistribution {
  /** Milliseconds, never negative. */
  sample(random: Random): number;
  /** The typical value, used as the base when a fault sets only jitter. */
  readonly medianMs: number;
}

/**
 * Log-normal latency: `median * e^(sigma * z)` for a standard normal z. With sigma 0.5 the 99th
 * percentile is about 3.2 x the median; `capMs` keeps a freak draw from looking like a hang.
 */
export function logNormalLatency(medianMs: number, sigma: number, capMs: number): LatencyDistribution {
  return {
    medianMs,
    sample(random) {
      return Math.min(capMs, medianMs * Math.exp(sigma * standardNormal(random)));
    },
  };
}

/** A fault's latency: `baseMs` plus a uniform draw in [0, jitterMs), predictable enough to test against. */
export function jitteredLatency(baseMs: number, jitterMs: number): LatencyDistribution {
  return {
    medianMs: baseMs + jitterMs / 2,
    sample(random) {
      return baseMs + random() * jitterMs;
    },
  };
}

/** Box-Muller transform; `1 - random()` keeps the logarithm away from 0. */
function standardNormal(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
