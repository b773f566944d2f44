import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult, type HealthIndicatorResult } from '@nestjs/terminus';
import { BreakerState } from '@breakwater/resilience';
import { PROVIDERS } from '../config/downstream-config';
import type { Gateway } from '../gateway';
import { GATEWAY } from '../gateway.token';

const REDIS_PING_TIMEOUT_MS = 500;

/**
 * Liveness never depends on Redis (a Redis outage must not restart the fleet); readiness does:
 * an instance cut off from Redis, or with no provider it could charge through, leaves the pool.
 */
@Controller('health')
export class HealthController {
  constructor(
    // Explicit tokens: the app also runs under tsx, which emits no decorator metadata.
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(GATEWAY) private readonly gateway: Gateway,
  ) {}

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([async () => this.indicators.check('process').up({ pid: process.pid })]);
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.redis(), async () => this.providers()]);
  }

  private async redis(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('redis');
    try {
      const redis = this.gateway.redis.data;
      if (redis.status !== 'ready') return check.down({ connection: redis.status });
      await Promise.race([redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), REDIS_PING_TIMEOUT_MS).unref())]);
      return check.up();
    } catch (error) {
      return check.down({ error: (error as Error).message });
    }
  }

  private providers(): HealthIndicatorResult {
    const check = this.indicators.check('providers');
    const breakers = PROVIDERS.map((p) => this.gateway.policies.breaker(p));
    const states = Object.fromEntries(breakers.map((b) => [b.name, b.state]));
    // An OPEN breaker whose interval has passed is usable: the next call is its probe. Were it
    // not, a fleet whose providers all tripped would drain every instance, and with no traffic
    // no probe would ever run.
    const usable = breakers.some((b) => b.state !== BreakerState.FORCED_OPEN && (b.state !== BreakerState.OPEN || b.snapshot().retryAfterMs === 0));
    return usable ? check.up(states) : check.down(states);
  }
}
