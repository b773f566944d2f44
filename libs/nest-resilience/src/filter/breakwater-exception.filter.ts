import { Catch, HttpException, Inject, Injectable, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { isRedisUnavailable } from '@breakwater/redis-store';
import { resilienceRejection } from './resilience-rejection';

/** Requests answered 503 because Redis could not be reached are said once per this long, not each with its stack. */
export const REDIS_UNAVAILABLE_LOG_MS = 10_000;

/**
 * Every error becomes a JSON answer, on Fastify or Express: HTTP errors keep their status; an
 * open breaker, a full bulkhead or a spent retry budget is a 503 with Retry-After
 * (resilienceRejection); Redis out of reach is a 503 with Retry-After, logged once per
 * REDIS_UNAVAILABLE_LOG_MS; anything else is `unexpectedStatus()` (500 here; an application
 * that would rather have clients retry overrides it with 503). Extend it to answer errors of
 * your own first (override `answer`, call `super.answer` for the rest).
 */
@Catch()
@Injectable()
export class BreakwaterExceptionFilter implements ExceptionFilter {
  protected readonly log: Logger = new Logger('BreakwaterExceptionFilter');
  private redisUnavailableSince = 0;
  private redisUnavailableCount = 0;

  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const answer = this.answer(error);
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    for (const [name, value] of Object.entries(answer.headers ?? {})) httpAdapter.setHeader(response, name, value);
    httpAdapter.reply(response, answer.body, answer.status);
  }

  /** The status, headers and body for `error`. */
  protected answer(error: unknown): FilterAnswer {
    if (error instanceof HttpException) {
      const body = error.getResponse();
      return { status: error.getStatus(), body: typeof body === 'string' ? { error: body, message: body } : body };
    }
    const rejection = resilienceRejection(error);
    if (rejection !== undefined) return { status: rejection.status, headers: { 'retry-after': String(rejection.retryAfterS) }, body: rejection.body };
    if (isRedisUnavailable(error)) {
      this.redisUnavailable(error as Error);
      return this.unavailable();
    }
    this.log.error((error as Error)?.stack ?? String(error));
    return this.unexpected(error);
  }

  /** What a request that could not be completed for now is told (503, Retry-After: 1). */
  protected readonly unavailableMessage: string = 'the request could not be completed (Redis unreachable?); retry it';

  protected unavailable(): FilterAnswer {
    return { status: 503, headers: { 'retry-after': '1' }, body: { error: 'UNAVAILABLE', message: this.unavailableMessage } };
  }

  /** The answer for an error nothing above recognised. */
  protected unexpected(_error: unknown): FilterAnswer {
    return { status: 500, body: { error: 'INTERNAL', message: 'the request could not be completed' } };
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

export interface FilterAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}
