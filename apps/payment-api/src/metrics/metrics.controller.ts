import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { Gateway } from '../gateway';
import { GATEWAY } from '../gateway.token';

@Controller('metrics')
export class MetricsController {
  constructor(@Inject(GATEWAY) private readonly gateway: Gateway) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.gateway.metrics.registry.metrics();
  }
}
