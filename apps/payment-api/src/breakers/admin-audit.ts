import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { BreakerAdminAction, BreakerAdminAudit } from '@breakwater/nestjs';
import type { Gateway } from '../gateway';
import { GATEWAY } from '../gateway.token';
import { adminAction } from '../logging/admin-action';

/** The library's admin actions in the operator log, as every other admin action (who, what, how it ended). */
@Injectable()
export class AdminAudit implements BreakerAdminAudit {
  constructor(@Inject(GATEWAY) private readonly gateway: Gateway) {}

  run<T>(a: BreakerAdminAction, act: () => Promise<T>, outcome: (value: T) => string): Promise<T> {
    // The app runs on Fastify (main.ts): the library hands over the platform's request as it is.
    return adminAction(this.gateway.log, a.request as FastifyRequest, `${a.action} ${a.breaker}`, act, outcome);
  }
}
