import { Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Req, UseGuards } from '@nestjs/common';
import { BreakwaterRegistry } from '../registry/breakwater-registry';
import { BREAKWATER_ADMIN_AUDIT } from './breaker-admin-audit.token';
import type { BreakerAdminAudit, BreakerOverride } from './breaker-admin-audit';
import { breakerView } from './breaker-view';
import { BreakwaterAdminGuard, BreakwaterListGuard } from './breakwater-admin.guard';

/**
 * The fleet's breakers as this instance sees them, and the operator overrides, which act
 * fleet-wide (one Lua script each; every instance hears of it on pub/sub).
 */
@Controller('breakers')
export class BreakersAdminController {
  constructor(
    @Inject(BreakwaterRegistry) private readonly registry: BreakwaterRegistry,
    @Inject(BREAKWATER_ADMIN_AUDIT) private readonly audit: BreakerAdminAudit,
  ) {}

  /** No Redis round trip: each breaker's local view. */
  @Get()
  @UseGuards(BreakwaterListGuard)
  list(): Record<string, unknown>[] {
    return this.registry.fleet.list().map((b) => breakerView(b.snapshot(), this.registry.instanceId));
  }

  @Post(':name/force-open')
  @HttpCode(200)
  @UseGuards(BreakwaterAdminGuard)
  forceOpen(@Param('name') name: string, @Req() request: unknown): Promise<Record<string, unknown>> {
    return this.override(name, 'force-open', request);
  }

  @Post(':name/disable')
  @HttpCode(200)
  @UseGuards(BreakwaterAdminGuard)
  disable(@Param('name') name: string, @Req() request: unknown): Promise<Record<string, unknown>> {
    return this.override(name, 'disable', request);
  }

  @Post(':name/reset')
  @HttpCode(200)
  @UseGuards(BreakwaterAdminGuard)
  reset(@Param('name') name: string, @Req() request: unknown): Promise<Record<string, unknown>> {
    return this.override(name, 'reset', request);
  }

  private override(name: string, action: BreakerOverride, request: unknown): Promise<Record<string, unknown>> {
    return this.audit.run(
      { action, breaker: name, request },
      async () => {
        if (!this.registry.has(name)) throw new NotFoundException({ error: 'UNKNOWN_BREAKER', message: `no breaker named ${name}` });
        const breaker = this.registry.breaker(name);
        await (action === 'force-open' ? breaker.forceOpen() : action === 'disable' ? breaker.disable() : breaker.reset());
        return breakerView(breaker.snapshot(), this.registry.instanceId);
      },
      (view) => `${String(view.state)} (version ${String(view.version)})`,
    );
  }
}
