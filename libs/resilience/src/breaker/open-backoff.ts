import type { BreakerConfig } from './breaker-config';

type BackoffSettings = Pick<BreakerConfig, 'openBaseMs' | 'openMultiplier' | 'openMaxMs' | 'openJitter'>;

/**
 * How long the breaker stays OPEN after its `step`-th trip in a row (0 for the first trip since
 * the last close). Jitter only shortens the interval, so the cap is a real upper bound on the
 * time until the next probe. `sample` is a uniform random number in [0, 1).
 * acquire-permit-3.lua and friends compute the same value through includes/open-interval.lua.
 */
export function openIntervalMs(config: BackoffSettings, step: number, sample: number): number {
  const exponential = Math.min(config.openMaxMs, config.openBaseMs * Math.pow(config.openMultiplier, step));
  return Math.max(1, Math.round(exponential * (1 - config.openJitter * sample)));
}
