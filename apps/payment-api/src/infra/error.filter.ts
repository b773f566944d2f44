import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isRedisUnavailable } from '@breakwater/redis-store';
import { isInvalidRequestDataError } from '../input/invalid-request-data.error';

/**
 * Every error becomes a JSON answer. HTTP errors keep their status; a malformed JSON body, and
 * request data found unusable after validation (InvalidRequestDataError), are a 400: the client's
 * fault is never a 503, which nginx would count against the instance (docs/fleet.md). Anything else means a payment could not be recorded (Redis down, most likely): 503 with
 * Retry-After, never a bare 500, so clients and the load balancer retry instead of giving up.
 */
/** Requests answered 503 because Redis could not be reached are said once per this long, not each with its stack. */
const REDIS_UNAVAILABLE_LOG_MS = 10_000;

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('ErrorFilter');
  private redisUnavailableSince = 0;
  private redisUnavailableCount = 0;

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof HttpException) {
      const body = error.getResponse();
      reply.status(error.getStatus()).send(typeof body === 'string' ? { error: body, message: body } : body);
      return;
    }
    if (isInvalidRequestDataError(error)) {
      reply.status(400).send({ error: 'INVALID_REQUEST', message: 'the request has invalid fields', fields: [{ field: error.field, message: error.problem }] });
      return;
    }
    const fastifyCode = typeof error === 'object' && error !== null ? (error as { code?: unknown; statusCode?: unknown }) : {};
    if (typeof fastifyCode.statusCode === 'number' && fastifyCode.statusCode >= 400 && fastifyCode.statusCode < 500) {
      reply.status(fastifyCode.statusCode).send({ error: 'INVALID_REQUEST', message: (error as Error).message, fields: [{ field: '(body)', message: (error as Error).message }] });
      return;
    }
    if (isRedisUnavailable(error)) this.redisUnavailable(error as Error);
    else this.log.error((error as Error)?.stack ?? String(error));
    reply.status(503).header('retry-after', '1').send({ error: 'UNAVAILABLE', message: 'the request could not be completed (Redis unreachable?); retry it (a payment with the same Idempotency-Key)' });
  }

  /**
   * A Redis outage fails every request the same way: one line per REDIS_UNAVAILABLE_LOG_MS with
   * how many were answered 503, not a stack each (310 of them in 10 s of Redis blips).
   */
  private redisUnavailable(error: Error): void {
    this.redisUnavailableCount++;
    const now = Date.now();
    if (now - this.redisUnavailableSince < REDIS_UNAVAILABLE_LOG_MS) return;
    this.log.warn(`Redis unreachable: ${this.redisUnavailableCount} request(s) answered 503 since the last line (${error.name}: ${error.message})`);
    this.redisUnavailableSince = now;
    this.redisUnavailableCount = 0;
  }
}
