import { BreakerState } from '@breakwater/resilience';
import type { FleetBreakers } from '@breakwater/redis-store';
import { PROVIDERS } from '../config/downstream-config';

export type DegradationLevel = 'NORMAL' | 'DEGRADED' | 'CRITICAL';

export interface DegradationReport {
  level: DegradationLevel;
  /** Breakers that are not letting calls through normally. */
  degraded: string[];
  mode: 'fleet' | 'local';
}

const REFUSING: ReadonlySet<BreakerState> = new Set([BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.FORCED_OPEN]);

/**
 * The fleet's degradation level, derived from the breakers (which the whole fleet shares, so
 * every instance reports the same level): CRITICAL when no provider can take a payment,
 * DEGRADED when any downstream's breaker refuses calls or Redis is unreachable, else NORMAL.
 */
export function degradation(fleet: FleetBreakers): DegradationReport {
  const degraded = fleet
    .list()
    .filter((b) => REFUSING.has(b.state))
    .map((b) => b.name)
    .sort();
  const providersDown = PROVIDERS.every((p) => degraded.includes(p));
  const level: DegradationLevel = providersDown ? 'CRITICAL' : degraded.length > 0 || fleet.mode === 'local' ? 'DEGRADED' : 'NORMAL';
  return { level, degraded, mode: fleet.mode };
}
