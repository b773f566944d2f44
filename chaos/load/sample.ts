// One answer the load generator recorded. Times are ms on the experiment's clock (0 = the
// experiment began), so samples, breaker polls and the fault window share one axis.

export interface Sample {
  seq: number;
  idempotencyKey: string;
  /** When the request was due (the schedule), not when it was sent. */
  dueAt: number;
  /** When it was handed to the connection pool: dueAt plus the generator's own lag. */
  sentAt: number;
  doneAt: number;
  /** doneAt - dueAt. */
  latencyMs: number;
  /** HTTP status; 0 when no answer arrived (connection error, client timeout). */
  status: number;
  /** The Retry-After header, when the answer had one. */
  retryAfter?: string;
  /** From a 2xx answer. */
  paymentId?: string;
  paymentStatus?: string;
  provider?: string;
  /** The `error` field of a non-2xx answer, or the client error's code. */
  error?: string;
}

export const isSuccess = (sample: Pick<Sample, 'status'>): boolean => sample.status >= 200 && sample.status < 300;
