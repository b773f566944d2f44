import { Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import type { BreakerSnapshot } from '@breakwater/resilience';
import { DOWNSTREAMS, type DownstreamName } from '../config/downstream-config';
import type { Gateway } from '../gateway';
import { GATEWAY } from '../gateway.token';
import { AdminGuard } from './admin.guard';

/** The contract's shape of one breaker in GET /breakers. */
function describe(s: BreakerSnapshot): Record<string, unknown> {
  return {
    name: s.name,
    state: s.state,
    failureRate: s.failureRate,
    slowCallRate: s.slowCallRate,
    calls: s.calls,
    failures: s.failures,
    slowCalls: s.slowCalls,
    version: s.version,
    retryAfterMs: s.retryAfterMs,
    minimumCalls: s.minimumCalls,
    failureRateThreshold: s.failureRateThreshold,
    slowCallRateThreshold: s.slowCallRateThreshold,
    mode: s.mode,
  };
}

@Controller('breakers')
export class BreakersController {
  constructor(@Inject(GATEWAY) private readonly gateway: Gateway) {}

  /** The fleet's breakers as this instance sees them (no Redis round trip). */
  @Get()
  list(): Record<string, unknown>[] {
    return this.gateway.policies.fleet.list().map((b) => describe(b.snapshot()));
  }

  @Post(':name/force-open')
  @HttpCode(200)
  @UseGuards(AdminGuard)
  async forceOpen(@Param('name') name: string): Promise<Record<string, unknown>> {
    return this.override(name, (b) => b.forceOpen());
  }

  @Post(':name/disable')
  @HttpCode(200)
  @UseGuards(AdminGuard)
  async disable(@Param('name') name: string): Promise<Record<string, unknown>> {
    return this.override(name, (b) => b.disable());
  }

  @Post(':name/reset')
  @HttpCode(200)
  @UseGuards(AdminGuard)
  async reset(@Param('name') name: string): Promise<Record<string, unknown>> {
    return this.override(name, (b) => b.reset());
  }

  private async override(name: string, apply: (b: ReturnType<Gateway['policies']['breaker']>) => Promise<void>): Promise<Record<string, unknown>> {
    if (!(DOWNSTREAMS as readonly string[]).includes(name)) throw new NotFoundException({ error: 'UNKNOWN_BREAKER', message: `no breaker named ${name}` });
    const breaker = this.gateway.policies.breaker(name as DownstreamName);
    await apply(breaker);
    return describe(breaker.snapshot());
  }
}
