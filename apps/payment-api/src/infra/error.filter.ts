import { Catch, Logger } from '@nestjs/common';
import { BreakwaterExceptionFilter, type FilterAnswer } from '@breakwater/nestjs';
import { isInvalidRequestDataError } from '../input/invalid-request-data.error';

/**
 * Every error becomes a JSON answer (BreakwaterExceptionFilter: HTTP errors keep their status,
 * open breakers, full bulkheads and spent budgets are 503 with Retry-After, Redis out of reach a
 * 503 logged once per 10 s). Here: a malformed JSON body, and request data found unusable after
 * validation (InvalidRequestDataError), are a 400: the client's fault is never a 503, which nginx
 * would count against the instance (docs/fleet.md). Anything else means a payment could not be
 * recorded: 503 with Retry-After, never a bare 500, so clients and the load balancer retry
 * instead of giving up.
 */
@Catch()
export class ErrorFilter extends BreakwaterExceptionFilter {
  protected override readonly log = new Logger('ErrorFilter');
  protected override readonly unavailableMessage = 'the request could not be completed (Redis unreachable?); retry it (a payment with the same Idempotency-Key)';

  protected override answer(error: unknown): FilterAnswer {
    if (isInvalidRequestDataError(error)) {
      return { status: 400, body: { error: 'INVALID_REQUEST', message: 'the request has invalid fields', fields: [{ field: error.field, message: error.problem }] } };
    }
    const fastifyError = typeof error === 'object' && error !== null ? (error as { statusCode?: unknown }) : {};
    if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      const message = (error as Error).message;
      return { status: fastifyError.statusCode, body: { error: 'INVALID_REQUEST', message, fields: [{ field: '(body)', message }] } };
    }
    return super.answer(error);
  }

  protected override unexpected(): FilterAnswer {
    return this.unavailable();
  }
}
