import type { BreakerSnapshot } from '@breakwater/resilience';

/** Rates are ratios of small counts: more decimals than this only look precise. */
const RATE_DECIMALS = 4;

const roundRate = (r: number): number => Number(r.toFixed(RATE_DECIMALS));
/** Rounded up: a client that waits this long finds the interval over, never a moment early. */
const wholeMs = (ms: number): number => Math.ceil(ms);
const isoAgo = (now: number, agoMs: number): string => new Date(now - Math.round(agoMs)).toISOString();

/**
 * One breaker in GET /breakers: the contract's fields, then whose view it is (`instanceId`), why
 * the breaker is in its state (`reason`, `since`) and the window when it last tripped
 * (`lastTrip`), because `calls` and the rates describe the current window, which a trip empties.
 * Absent history is `null`, so every entry has the same keys.
 */
export function breakerView(s: BreakerSnapshot, instanceId: string, now: number = Date.now()): Record<string, unknown> {
  const trip = s.lastTrip;
  return {
    name: s.name,
    state: s.state,
    failureRate: roundRate(s.failureRate),
    slowCallRate: roundRate(s.slowCallRate),
    calls: s.calls,
    failures: s.failures,
    slowCalls: s.slowCalls,
    version: s.version,
    retryAfterMs: wholeMs(s.retryAfterMs),
    minimumCalls: s.minimumCalls,
    failureRateThreshold: s.failureRateThreshold,
    slowCallRateThreshold: s.slowCallRateThreshold,
    mode: s.mode,
    instanceId,
    reason: s.reason ?? null,
    since: s.inStateMs === undefined ? null : isoAgo(now, s.inStateMs),
    lastTrip:
      trip === undefined
        ? null
        : {
            reason: trip.reason,
            at: isoAgo(now, trip.agoMs),
            calls: trip.calls,
            failures: trip.failures,
            slowCalls: trip.slowCalls,
            failureRate: roundRate(trip.failureRate),
            slowCallRate: roundRate(trip.slowCallRate),
          },
  };
}
