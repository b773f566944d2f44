import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RedisUnavailableError } from '@breakwater/redis-store';

/**
 * Every error becomes a JSON answer. HTTP errors keep their status; a malformed JSON body is a
 * 400; anything else means a payment could not be recorded (Redis down, most likely): 503 with
 * Retry-After, never a bare 500, so clients and the load balancer retry instead of giving up.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('ErrorFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof HttpException) {
      const body = error.getResponse();
      reply.status(error.getStatus()).send(typeof body === 'string' ? { error: body, message: body } : body);
      return;
    }
    const fastifyCode = typeof error === 'object' && error !== null ? (error as { code?: unknown; statusCode?: unknown }) : {};
    if (typeof fastifyCode.statusCode === 'number' && fastifyCode.statusCode >= 400 && fastifyCode.statusCode < 500) {
      reply.status(fastifyCode.statusCode).send({ error: 'INVALID_REQUEST', message: (error as Error).message, fields: [{ field: '(body)', message: (error as Error).message }] });
      return;
    }
    if (!(error instanceof RedisUnavailableError)) this.log.error((error as Error)?.stack ?? String(error));
    reply.status(503).header('retry-after', '1').send({ error: 'UNAVAILABLE', message: 'the request could not be completed (Redis unreachable?); retry it (a payment with the same Idempotency-Key)' });
  }
}
