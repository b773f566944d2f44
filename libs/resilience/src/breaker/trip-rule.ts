import type { BreakerConfig } from './breaker-config';
import type { WindowTotals } from './sliding-window';

export type TripReason = 'failure-rate' | 'slow-call-rate' | 'consecutive-failures';

/**
 * The window at the moment a breaker tripped (CLOSED -> OPEN). A trip starts a new, empty window,
 * so an OPEN breaker's own counts are zero: this is what says why it opened.
 */
export interface TripRecord {
  reason: TripReason;
  /** How long ago it tripped. */
  agoMs: number;
  calls: number;
  failures: number;
  slowCalls: number;
  failureRate: number;
  slowCallRate: number;
}

export const isTripReason = (value: unknown): value is TripReason => value === 'failure-rate' || value === 'slow-call-rate' || value === 'consecutive-failures';

export function tripRecord(reason: TripReason, agoMs: number, t: Pick<WindowTotals, 'calls' | 'failures' | 'slowCalls'>): TripRecord {
  return { reason, agoMs, calls: t.calls, failures: t.failures, slowCalls: t.slowCalls, failureRate: rate(t.failures, t.calls), slowCallRate: rate(t.slowCalls, t.calls) };
}

type TripSettings = Pick<BreakerConfig, 'minimumCalls' | 'failureRateThreshold' | 'slowCallRateThreshold' | 'consecutiveFailures'>;

/**
 * The rule that opens a CLOSED breaker, given the window and the current run of failures.
 * record-outcomes-4.lua applies the same rule to the fleet's window.
 */
export function tripReason(totals: WindowTotals, consecutiveFailures: number, config: TripSettings): TripReason | undefined {
  if (config.consecutiveFailures > 0 && consecutiveFailures >= config.consecutiveFailures) return 'consecutive-failures';
  if (totals.calls < config.minimumCalls) return undefined;
  if (totals.failures / totals.calls >= config.failureRateThreshold) return 'failure-rate';
  if (totals.slowCalls / totals.calls >= config.slowCallRateThreshold) return 'slow-call-rate';
  return undefined;
}

export const rate = (part: number, calls: number): number => (calls === 0 ? 0 : part / calls);
