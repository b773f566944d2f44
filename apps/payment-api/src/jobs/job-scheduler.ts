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
 * The asynchronous work a payment's recorded changes hand off (architecture.md section 3):
 * notifications, reconciliation of ambiguous charges, and the audit export. Implemented on BullMQ
 * queues; called by the payment outbox's relay (follow-ups/), never by a request. Each method
 * throws when its job could not be enqueued (the outbox entry is then delivered again), and
 * enqueueing the same work twice adds nothing while the first job exists (job-data.ts).
 */
export abstract class JobScheduler {
  /** One job per channel the payment names, for an AUTHORIZED payment only, each within its destination's rate limit. */
  abstract notify(request: NotificationRequest): Promise<void>;
  /** notify() for many payments, with one enqueue per queue for all their jobs. */
  abstract notifyAll(requests: readonly NotificationRequest[]): Promise<void>;
  /** Asks `provider` later what became of the charge for `paymentId`. */
  abstract reconcile(paymentId: string, provider: ProviderName): Promise<void>;
  /** Ships one audit entry (and the payment's earlier ones not shipped yet) to the export file, once. */
  abstract exportAudit(paymentId: string, auditId: string): Promise<void>;
  /** Ships many audit entries (each with its payment's earlier ones) in one job: one append and one fsync. */
  abstract exportAudits(entries: readonly { paymentId: string; auditId: string }[]): Promise<void>;
}
