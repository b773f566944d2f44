import { createHash } from 'node:crypto';
import type { ProviderName } from '../config/downstream-config';
import type { PaymentStatus } from '../payments/payment';
import type { NotifyChannel } from './queue-table';

/** One notification on one channel (queue `notify-<channel>`). */
export interface NotificationJobData {
  paymentId: string;
  channel: NotifyChannel;
  /** Address, phone number or device token. */
  target: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
}

/** Ask `provider` what became of an ambiguous charge (queue `payment-reconcile`). */
export interface ReconcileJobData {
  paymentId: string;
  provider: ProviderName;
}

/** Ship one audit entry (and its payment's earlier ones not shipped yet) to the export file (queue `audit-export`). */
export interface AuditExportJobData {
  paymentId: string;
  auditId: string;
}

/**
 * Ship many audit entries at once (queue `audit-export`, job name `export-batch`): what one read
 * of the payment outbox found, with one append and one fsync for all of them.
 */
export interface AuditExportBatchJobData {
  entries: AuditExportJobData[];
}

export type JobData = NotificationJobData | ReconcileJobData | AuditExportJobData | AuditExportBatchJobData;

/** A job whose attempts ran out, as kept in `<queue>-dead-letter` under the same job id. */
export interface DeadLetterData {
  /** The job's name and data in the main queue, put back as they were by a replay. */
  name: string;
  data: JobData;
  lastError: string;
  attemptsMade: number;
  deadAt: number;
  /**
   * The job's trace context when it died (BullMQ's propagation metadata; tracing on only): a
   * replay adds the job back in that trace. The dead-letter queue has no telemetry of its own.
   */
  telemetry?: string;
}

/**
 * Job ids are deterministic, so enqueueing the same work twice adds nothing (BullMQ ignores an add
 * whose id exists). BullMQ refuses ids with ':' and ids that are integers; payment ids are UUIDs
 * and audit ids are stream ids (`1700000000000-0`), so none of these has either.
 */
export const jobIds = {
  notification: (paymentId: string, channel: NotifyChannel): string => safe(`${paymentId}-${channel}`),
  reconcile: (paymentId: string): string => safe(`${paymentId}-reconcile`),
  auditExport: (paymentId: string, auditId: string): string => safe(`${paymentId}-audit-${auditId}`),
  /** The same entries (a read delivered again whole) make the same id; any other set, another job. */
  auditExportBatch: (entries: readonly AuditExportJobData[]): string =>
    `audit-batch-${createHash('sha256')
      .update(entries.map((e) => `${e.paymentId} ${e.auditId}`).join('\n'))
      .digest('hex')
      .slice(0, 40)}`,
};

/** Defensive: an id from elsewhere with a ':' still maps to one valid id. */
const safe = (id: string): string => id.replace(/:/g, '%3A');
