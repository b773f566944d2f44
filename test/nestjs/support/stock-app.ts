// A small NestJS application (Fastify) built on @breakwater/nestjs, as a user would write one:
// a service whose downstream call is @Guarded by a fleet breaker, a controller, health checks
// with the library's indicators, the library's exception filter, and its admin controller.
import { Controller, Get, Inject, Injectable, Module, Param, type DynamicModule } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { HealthCheck, HealthCheckService, TerminusModule, type HealthCheckResult } from '@nestjs/terminus';
import type { Policy } from '@breakwater/resilience';
import type { FleetBreaker } from '@breakwater/redis-store';
import { BreakerHealthIndicator, BreakwaterExceptionFilter, Guarded, InjectBreaker, InjectPolicy, RedisHealthIndicator } from '@breakwater/nestjs';

export const STOCK_URL = Symbol('STOCK_URL');

export class StockUnavailableError extends Error {
  readonly code = 'STOCK_UNAVAILABLE';
}

@Injectable()
export class StockService {
  constructor(
    @Inject(STOCK_URL) private readonly url: string,
    @InjectBreaker('stock') readonly breaker: FleetBreaker,
    @InjectPolicy('stock') readonly policy: Policy,
  ) {}

  @Guarded('stock')
  async level(sku: string, signal?: AbortSignal): Promise<{ sku: string; available: number }> {
    const answer = await fetch(`${this.url}/stock/${encodeURIComponent(sku)}`, { signal });
    if (!answer.ok) throw new StockUnavailableError(`stock answered ${answer.status}`);
    return (await answer.json()) as { sku: string; available: number };
  }
}

@Controller()
export class StockController {
  constructor(
    @Inject(StockService) private readonly stock: StockService,
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(BreakerHealthIndicator) private readonly breakers: BreakerHealthIndicator,
    @Inject(RedisHealthIndicator) private readonly redis: RedisHealthIndicator,
  ) {}

  @Get('stock/:sku')
  level(@Param('sku') sku: string): Promise<{ sku: string; available: number }> {
    return this.stock.level(sku);
  }

  @Get('health')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.redis.pingCheck('redis'), async () => this.breakers.anyUsable('downstreams')]);
  }
}

/** The application module around `breakwater` (BreakwaterModule.forRoot or forRootAsync). */
export function stockModule(breakwater: DynamicModule, stockUrl: string): DynamicModule {
  @Module({})
  class StockModule {}
  return { module: StockModule, imports: [breakwater, TerminusModule], controllers: [StockController], providers: [StockService, { provide: STOCK_URL, useValue: stockUrl }] };
}

export interface RunningApp {
  app: NestFastifyApplication;
  url: string;
}

export async function startApp(module: DynamicModule): Promise<RunningApp> {
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), { logger: false, abortOnError: false });
  app.useGlobalFilters(new BreakwaterExceptionFilter(app.get(HttpAdapterHost)));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}` };
}
