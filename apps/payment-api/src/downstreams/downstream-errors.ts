import { isBreakerOpenError, isBulkheadRejectedError, isRetryBudgetExhaustedError, isTimeoutError } from '@breakwater/resilience';

/** The downstream said it did not process the request (`503 {"processed": false}`). */
export class NotProcessedError extends Error {
  readonly code = 'NOT_PROCESSED';

  constructor(
    readonly downstream: string,
    readonly status: number,
  ) {
    super(`${downstream} answered ${status} and did not process the request`);
    this.name = 'NotProcessedError';
  }
}

/** An answer we cannot interpret: the request may or may not have had an effect. */
export class UnexpectedAnswerError extends Error {
  readonly code = 'UNEXPECTED_ANSWER';

  constructor(
    readonly downstream: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${downstream} answered ${status}: ${body.slice(0, 200)}`);
    this.name = 'UnexpectedAnswerError';
  }
}

/**
 * A downstream's answer was bigger than the cap (DOWNSTREAM_MAX_ANSWER_BYTES): dropped unread, a
 * failure of that downstream; the request may or may not have had an effect.
 */
export class AnswerTooLargeError extends Error {
  readonly code = 'ANSWER_TOO_LARGE';

  constructor(
    readonly path: string,
    readonly maxBytes: number,
  ) {
    super(`the answer to ${path} was over ${maxBytes} bytes and was dropped`);
    this.name = 'AnswerTooLargeError';
  }
}

/**
 * The check before a retried send to a provider (the payment's attempt recorded again, while it is
 * still RECEIVED) failed: that send was not made. It carries the check's own error; the providers'
 * breakers ignore it (the provider never saw the call) and nothing retries it.
 */
export class SendFencedError extends Error {
  readonly code = 'SEND_FENCED';

  constructor(
    readonly downstream: string,
    override readonly cause: unknown,
  ) {
    super(`${downstream} was not asked again: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'SendFencedError';
  }
}

export const isSendFencedError = (error: unknown): error is SendFencedError => error instanceof SendFencedError;

// Errors raised before a byte left this process: the connection could not even be made.
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether the downstream certainly did not act on the request: only then may a payment go to
 * another provider (architecture.md section 3). Timeouts after the request was sent, resets and
 * unexpected answers are ambiguous.
 */
export function certainlyNotProcessed(error: unknown): boolean {
  if (error instanceof NotProcessedError) return true;
  if (isBreakerOpenError(error) || isBulkheadRejectedError(error)) return true;
  if (isRetryBudgetExhaustedError(error)) return certainlyNotProcessed(error.cause);
  if (isTimeoutError(error)) return !error.started;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && CONNECT_FAILURES.has(code);
}
