import { Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { bearerToken, refuseWhileLimited } from './bearer-credentials';
import { clientAddress } from './client-address';
import { FailedAttempts } from './failed-attempts';
import { TokenDigest } from './token-digest';

/** Which tokens an endpoint takes: `admin` the admin token only, `metrics` either token. */
export type CredentialScope = 'admin' | 'metrics';

/**
 * Checks the `Authorization: Bearer` token of admin actions and operator reads, and limits
 * failed attempts per client address (docs/security.md, "Operator authentication").
 */
@Injectable()
export class OperatorCredentials {
  private readonly admin: TokenDigest | undefined;
  private readonly metrics: TokenDigest | undefined;
  private readonly attempts: FailedAttempts;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const { adminToken, metricsToken, failures } = config.auth;
    this.admin = adminToken === undefined ? undefined : new TokenDigest(adminToken);
    this.metrics = metricsToken === undefined ? undefined : new TokenDigest(metricsToken);
    this.attempts = new FailedAttempts(failures);
  }

  /** Returns when the request carries a token of `scope`; throws the HTTP error to answer otherwise. */
  check(request: FastifyRequest, reply: FastifyReply, scope: CredentialScope): void {
    const accepted = scope === 'metrics' ? [this.admin, this.metrics] : [this.admin];
    const digests = accepted.filter((d): d is TokenDigest => d !== undefined);
    // An operator surface with no token configured is off rather than open.
    if (digests.length === 0) throw new NotFoundException();
    const address = clientAddress(request, this.config.auth.trustedProxies);
    refuseWhileLimited({ attempts: this.attempts, address, reply, what: 'token' });
    const given = bearerToken(request);
    // Every digest is compared (no early exit), so the time does not say which token was close.
    const matched = given !== undefined && digests.map((d) => d.matches(given)).includes(true);
    if (matched) return;
    // A request with no token is not a guess (a scraper not yet configured, a browser).
    if (given !== undefined) this.attempts.recordFailure(address);
    reply.header('www-authenticate', 'Bearer');
    const wanted = scope === 'metrics' ? 'ADMIN_TOKEN or METRICS_TOKEN' : 'ADMIN_TOKEN';
    throw new UnauthorizedException({ error: 'UNAUTHORIZED', message: `this endpoint needs Authorization: Bearer <${wanted}>` });
  }
}
