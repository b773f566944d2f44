import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OperatorCredentials } from '../auth/operator-credentials';

/**
 * Admin endpoints need `Authorization: Bearer $ADMIN_TOKEN`. Without a configured token they do
 * not exist (404): an operator surface is off unless someone turned it on.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  // @Inject by token: tsx (esbuild) emits no decorator metadata for Nest to read the type from.
  constructor(@Inject(OperatorCredentials) private readonly credentials: OperatorCredentials) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    this.credentials.check(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), 'admin');
    return true;
  }
}
