import { ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { bearerToken, refuseWhileLimited } from './bearer-credentials';
import { clientAddress } from './client-address';
import { FailedAttempts } from './failed-attempts';
import type { PaymentCaller } from './payment-caller';
import { TokenDigest } from './token-digest';

/**
 * Says who calls the payment endpoints (CLIENT_AUTH, docs/security.md, "Client API keys"): with
 * `api-key`, `Authorization: Bearer <key>` names a client, or the operator by the admin token;
 * anything else is 401, and failed attempts are limited per client address as the operator's are.
 */
@Injectable()
export class ClientCredentials {
  private readonly admin: TokenDigest | undefined;
  private readonly attempts: FailedAttempts;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.admin = config.auth.adminToken === undefined ? undefined : new TokenDigest(config.auth.adminToken);
    this.attempts = new FailedAttempts(config.auth.failures);
  }

  /** The caller of `request`; throws the HTTP error to answer when it has no valid credential. */
  identify(request: FastifyRequest, reply: FastifyReply): PaymentCaller {
    if (this.config.auth.clientAuth === 'off') return { kind: 'anyone' };
    const address = clientAddress(request, this.config.auth.trustedProxies);
    refuseWhileLimited({ attempts: this.attempts, address, reply, what: 'key' });
    const given = bearerToken(request);
    if (given !== undefined) {
      const client = this.config.auth.clientKeys.clientOf(given);
      if (client !== undefined) return { kind: 'client', id: client };
      if (this.admin?.matches(given) === true) return { kind: 'operator' };
      this.attempts.recordFailure(address);
    }
    reply.header('www-authenticate', 'Bearer');
    throw new UnauthorizedException({ error: 'UNAUTHORIZED', message: 'payments need Authorization: Bearer <your API key>' });
  }

  /** Like identify, for making a payment: the operator's token reads payments, it makes none. */
  payer(request: FastifyRequest, reply: FastifyReply): PaymentCaller {
    const caller = this.identify(request, reply);
    if (caller.kind === 'operator') throw new ForbiddenException({ error: 'FORBIDDEN', message: 'the admin token reads payments; payments are made with a client API key' });
    return caller;
  }
}
