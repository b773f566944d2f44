/** The states of a breaker. FORCED_OPEN and DISABLED are operator overrides. */
export const BreakerState = {
  CLOSED: 'CLOSED',
  OPEN: 'OPEN',
  HALF_OPEN: 'HALF_OPEN',
  FORCED_OPEN: 'FORCED_OPEN',
  DISABLED: 'DISABLED',
} as const;

export type BreakerState = (typeof BreakerState)[keyof typeof BreakerState];

export const BREAKER_STATES: readonly BreakerState[] = Object.values(BreakerState);

export const isBreakerState = (value: unknown): value is BreakerState =>
  typeof value === 'string' && (BREAKER_STATES as readonly string[]).includes(value);
