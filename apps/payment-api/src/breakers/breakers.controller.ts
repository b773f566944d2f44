import { Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DOWNSTREAMS, type DownstreamName } from '../config/downstream-config';
import type { Gateway } from '../gateway';
import { GATEWAY } from '../gateway.token';
import { adminAction } from '../logging/admin-action';
import { AdminGuard } from './admin.guard';
import { breakerView } from './breaker-view';

type Override = 'force-open' | 'disable' | 'reset';

@Controller('breakers')
export class BreakersController {
  constructor(@Inject(GATEWAY) private readonly gateway: Gateway) {}

  /** The fleet's breakers as this instance sees them (no Redis round trip). */
  @Get()
  list(): Record<string, unknown>[] {
    return this.gateway.policies.fleet.list().map((b) => this.view(b));
  }

  @Post(':name/force-open')
  @HttpCode(200)
  @UseGuards(AdminGuard)
  async forceOpen(@Param('name') name: string, @Req() request: FastifyRequest): Promise<Record<string, unknown>> {
    return this.override(name, 'force-open', request);
  }

  @Post(':name/disable')
  @HttpCode(200)
  @UseGuards(AdminGuard)
  async disable(@Param('name') name: string, @Req() request: FastifyRequest): Promise<Record<string, unknown>> {
    return this.override(name, 'disable', request);
  }

  @Post(':name/reset')
  @HttpCode(200)
  @UseGuards(AdminGuard)
  async reset(@Param('name') name: string, @Req() request: FastifyRequest): Promise<Record<string, unknown>> {
    return this.override(name, 'reset', request);
  }

  private override(name: string, action: Override, request: FastifyRequest): Promise<Record<string, unknown>> {
    return adminAction(
      this.gateway.log,
      request,
      `${action} ${name}`,
      async () => {
        if (!(DOWNSTREAMS as readonly string[]).includes(name)) throw new NotFoundException({ error: 'UNKNOWN_BREAKER', message: `no breaker named ${name}` });
        const breaker = this.gateway.policies.breaker(name as DownstreamName);
        await (action === 'force-open' ? breaker.forceOpen() : action === 'disable' ? breaker.disable() : breaker.reset());
        return this.view(breaker);
      },
      (view) => `${String(view.state)} (version ${String(view.version)})`,
    );
  }

  private view(breaker: ReturnType<Gateway['policies']['breaker']>): Record<string, unknown> {
    return breakerView(breaker.snapshot(), this.gateway.config.instanceId);
  }
}
