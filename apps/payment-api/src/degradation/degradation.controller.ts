import { Controller, Get, Inject } from '@nestjs/common';
import type { Gateway } from '../gateway';
import { GATEWAY } from '../gateway.token';
import { degradation, type DegradationReport } from './degradation';

@Controller('degradation')
export class DegradationController {
  constructor(@Inject(GATEWAY) private readonly gateway: Gateway) {}

  @Get()
  get(): DegradationReport {
    return degradation(this.gateway.policies.fleet);
  }
}
