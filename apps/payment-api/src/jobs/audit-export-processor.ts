import { UnrecoverableError, type Job } from 'bullmq';
import type { PaymentStore } from '../payments/payment-store';
import type { AuditExportFile } from './audit-export-file';
import type { AuditExportJobData } from './job-data';

/**
 * Ships one audit entry to the export file, once: the file is checked for the entry before it is
 * appended (see AuditExportFile), and the queue runs one job at a time across the fleet.
 */
export function auditExportProcessor(store: PaymentStore, file: AuditExportFile): (job: Job<AuditExportJobData>) => Promise<string> {
  return async (job) => {
    const { paymentId, auditId } = job.data;
    const entry = await store.auditEntry(paymentId, auditId);
    if (entry === undefined) throw new UnrecoverableError(`payment ${paymentId} has no audit entry ${auditId}`);
    return (await file.exportOnce(entry)) ? 'exported' : 'already-exported';
  };
}
