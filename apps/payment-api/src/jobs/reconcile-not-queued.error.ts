/**
 * The reconciliation of a PENDING_REVIEW payment could not be enqueued. Its request must not
 * complete the Idempotency-Key: left pending, the next request with the key after the lease
 * recovers the payment and enqueues the reconciliation again (payment-recovery.ts, recover()).
 */
export class ReconcileNotQueuedError extends Error {
  readonly code = 'RECONCILE_NOT_QUEUED';

  constructor(
    readonly paymentId: string,
    readonly provider: string,
    override readonly cause: unknown,
  ) {
    super(`the reconciliation of payment ${paymentId} with ${provider} could not be enqueued: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ReconcileNotQueuedError';
  }
}
