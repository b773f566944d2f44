/**
 * A request's own data cannot be used (a string that is not well-formed Unicode, or that a
 * downstream request cannot carry): the client's fault. It is found before anything is sent
 * (classified at the source), so no breaker, bulkhead or retry budget ever sees it; the error
 * filter answers it 400 INVALID_REQUEST naming the field, never 503.
 */
export class InvalidRequestDataError extends Error {
  readonly code = 'INVALID_REQUEST';

  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field} ${problem}`);
    this.name = 'InvalidRequestDataError';
  }
}

export const isInvalidRequestDataError = (error: unknown): error is InvalidRequestDataError => error instanceof InvalidRequestDataError;
