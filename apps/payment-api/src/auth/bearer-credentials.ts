import { HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FailedAttempts } from './failed-attempts';

const BEARER = /^Bearer +(\S.*)$/i;

/** The token of `Authorization: Bearer <token>`, or undefined when the request carries none. */
export function bearerToken(request: FastifyRequest): string | undefined {
  return BEARER.exec(request.headers.authorization ?? '')?.[1];
}

/**
 * Throws 429 with Retry-After while `address` has spent its failed attempts, whatever it sends:
 * refusing only wrong credentials would tell a guesser when a guess is right. `what` names the
 * credential in the message ("token", "key").
 */
export function refuseWhileLimited(p: { attempts: FailedAttempts; address: string; reply: FastifyReply; what: string }): void {
  const waitMs = p.attempts.retryAfterMs(p.address);
  if (waitMs <= 0) return;
  const seconds = Math.ceil(waitMs / 1000);
  p.reply.header('retry-after', String(seconds));
  throw new HttpException({ error: 'TOO_MANY_AUTH_FAILURES', message: `too many failed ${p.what} attempts from this address; retry in ${seconds} s`, retryAfterMs: waitMs }, HttpStatus.TOO_MANY_REQUESTS);
}
