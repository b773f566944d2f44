import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { sendWithin, type RedisConnection } from '@breakwater/redis-store';
import { BreakwaterRegistry } from '../registry/breakwater-registry';

export const DEFAULT_REDIS_PING_TIMEOUT_MS = 500;

/** Terminus indicator: a Redis connection answers PING in time. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @Inject(BreakwaterRegistry) private readonly registry: BreakwaterRegistry,
  ) {}

  /** `connection` defaults to the breakers' coordination connection. */
  async pingCheck<const Key extends string>(key: Key, connection: RedisConnection = this.registry.redis, timeoutMs = DEFAULT_REDIS_PING_TIMEOUT_MS): Promise<HealthIndicatorResult<Key>> {
    const check = this.health.check(key);
    if (connection.status !== 'ready') return check.down({ connection: connection.status });
    try {
      await sendWithin(connection, timeoutMs, () => connection.ping());
      return check.up();
    } catch (error) {
      return check.down({ error: (error as Error).message });
    }
  }
}
