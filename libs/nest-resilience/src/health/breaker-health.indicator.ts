import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { BreakerState } from '@breakwater/resilience';
import type { FleetBreaker } from '@breakwater/redis-store';
import { BreakwaterRegistry } from '../registry/breakwater-registry';

/**
 * Whether a breaker would let a call through now. An OPEN breaker whose interval has passed is
 * usable: the next call is its probe. Were it not, a fleet whose breakers all tripped would
 * drain every instance, and with no traffic no probe would ever run.
 */
export const isUsable = (b: FleetBreaker): boolean => b.state !== BreakerState.FORCED_OPEN && (b.state !== BreakerState.OPEN || b.snapshot().retryAfterMs === 0);

/** Terminus indicators over the fleet breakers, reading each instance's view (no Redis round trip). */
@Injectable()
export class BreakerHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @Inject(BreakwaterRegistry) private readonly registry: BreakwaterRegistry,
  ) {}

  /** Up while at least one of `downstreams` (default: all) is usable: a fallback can still answer. */
  anyUsable<const Key extends string>(key: Key, downstreams: readonly string[] = this.registry.names): HealthIndicatorResult<Key> {
    return this.judge(key, downstreams, (usable) => usable.some(Boolean));
  }

  /** Up only while every one of `downstreams` (default: all) is usable. */
  allUsable<const Key extends string>(key: Key, downstreams: readonly string[] = this.registry.names): HealthIndicatorResult<Key> {
    return this.judge(key, downstreams, (usable) => usable.every(Boolean));
  }

  private judge<const Key extends string>(key: Key, downstreams: readonly string[], rule: (usable: boolean[]) => boolean): HealthIndicatorResult<Key> {
    const breakers = downstreams.map((d) => this.registry.breaker(d));
    const states = Object.fromEntries(breakers.map((b) => [b.name, b.state]));
    const check = this.health.check(key);
    return rule(breakers.map(isUsable)) ? check.up(states) : check.down(states);
  }
}
