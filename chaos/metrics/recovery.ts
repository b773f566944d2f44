// When the fleet recovered after the heal: every breaker CLOSED on every instance, and from some
// second on every bucket is available and back under the steady-state p95, to the end of the load.
import type { Bucket } from './timeline';

export interface RecoveryBounds {
  minAvailability: number;
  maxP95Ms: number;
}

/** Start of the first bucket at or after `fromMs` from which every later bucket meets the bounds. */
export function serviceRecoveredAt(series: readonly Bucket[], fromMs: number, bounds: RecoveryBounds): number | null {
  let since: number | null = null;
  for (const bucket of series) {
    if (bucket.startMs + 1e-9 < fromMs || bucket.sent === 0) continue;
    const good = bucket.available / bucket.sent >= bounds.minAvailability && (bucket.p95 ?? Infinity) <= bounds.maxP95Ms;
    if (!good) since = null;
    else since ??= bucket.startMs;
  }
  return since;
}

/** The later of the two (both must hold); null when either never happened. */
export function recoveredAt(breakersClosedAt: number | null, serviceAt: number | null): number | null {
  if (breakersClosedAt === null || serviceAt === null) return null;
  return Math.max(breakersClosedAt, serviceAt);
}
