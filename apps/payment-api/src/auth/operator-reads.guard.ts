import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BreakersAdminController } from '@breakwater/nestjs';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { QueuesController } from '../jobs/queues.controller';
import { MetricsController } from '../metrics/metrics.controller';
import { OperatorCredentials, type CredentialScope } from './operator-credentials';

/**
 * The operator reads, by controller and method rather than by path, so another route to the same
 * handler (a trailing slash, a prefix) cannot skip the check. Not by the handler function itself:
 * with tracing on, the OpenTelemetry NestJS instrumentation hands guards a wrapper of it (same
 * name, same metadata), and a lookup by identity let every operator read through. /health and
 * /degradation stay public: load balancers and clients read them.
 */
const OPERATOR_READS: readonly { controller: object; method: string; scope: CredentialScope }[] = [
  { controller: BreakersAdminController, method: BreakersAdminController.prototype.list.name, scope: 'admin' },
  { controller: QueuesController, method: QueuesController.prototype.list.name, scope: 'admin' },
  { controller: MetricsController, method: MetricsController.prototype.metrics.name, scope: 'metrics' },
];

/** Global guard: with OPERATOR_AUTH=token, GET /breakers and /queues need the admin token, GET /metrics the admin or the metrics token. */
@Injectable()
export class OperatorReadsGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OperatorCredentials) private readonly credentials: OperatorCredentials,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const controller = context.getClass();
    const method = context.getHandler().name;
    const scope = OPERATOR_READS.find((r) => r.controller === controller && r.method === method)?.scope;
    if (scope === undefined || this.config.auth.operatorAuth === 'off') return true;
    const http = context.switchToHttp();
    this.credentials.check(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), scope);
    return true;
  }
}
