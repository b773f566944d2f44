import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { BreakerHealthIndicator, RedisHealthIndicator } from '@breakwater/nestjs';
import { PROVIDERS } from '../config/downstream-config';
import type { Gateway } from '../gateway';
import { GATEWAY } from '../gateway.token';

/**
 * Liveness never depends on Redis (a Redis outage must not restart the fleet); readiness does:
 * an instance cut off from Redis (its payment connection), or with no provider it could charge
 * through (every provider breaker refusing calls), leaves the pool.
 */
@Controller('health')
export class HealthController {
  constructor(
    // Explicit tokens: the app also runs under tsx, which emits no decorator metadata.
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(RedisHealthIndicator) private readonly redis: RedisHealthIndicator,
    @Inject(BreakerHealthIndicator) private readonly breakers: BreakerHealthIndicator,
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
    return this.health.check([() => this.redis.pingCheck('redis', this.gateway.redis.data), async () => this.breakers.anyUsable('providers', PROVIDERS)]);
  }
}
