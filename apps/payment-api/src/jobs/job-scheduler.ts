import type { ProviderName } from '../config/downstream-config';
import type { NotifyTargets, PaymentStatus } from '../payments/payment';

export interface NotificationRequest {
  paymentId: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  notify: NotifyTargets;
}

/**
 * The asynchronous work a payment hands off (architecture.md section 3): notifications, reconciliation
 * of ambiguous charges, and the audit export. Implemented on BullMQ queues.
 */
export abstract class JobScheduler {
  /** One job per requested channel; never fails the payment (a queue outage is logged and counted). */
  abstract notify(request: NotificationRequest): Promise<void>;
  /**
   * Asks `provider` later what became of the charge for `paymentId`. Throws
   * (ReconcileNotQueuedError) when the job could not be enqueued: the caller must not treat the
   * payment as handed over (payment-flow.ts leaves its Idempotency-Key pending).
   */
  abstract reconcile(paymentId: string, provider: ProviderName): Promise<void>;
  /** Ships one audit entry to the export sink, exactly once. */
  abstract exportAudit(paymentId: string, auditId: string): Promise<void>;
}
