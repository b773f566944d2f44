import { UnrecoverableError, type Job } from 'bullmq';
import { compareStreamIds } from '@breakwater/redis-store';
import type { AuditEntry } from '../payments/payment';
import type { PaymentStore } from '../payments/payment-store';
import { redactAuditData } from '../payments/pii-redaction';
import type { AuditExportCheckpoint } from './audit-export-checkpoint';
import type { AuditExportFile, AuditExportLine } from './audit-export-file';
import { AuditExportOvertakenError } from './audit-export-overtaken.error';
import type { AuditExportJobData } from './job-data';

/**
 * Ships a payment's audit entries to the export file once each, in the order of its audit stream.
 * The audit-export queue runs one job at a time across the fleet, so for each job:
 *   1. the file is read from the fleet's checkpoint on (normally nothing: only lines appended by a
 *      writer that died before step 4), and each entry found moves its payment's mark forward;
 *      the checkpoint moves past them, by compare-and-set from the offset read;
 *   2. the payment's mark (`auditExportedTo`, the last of its entries in the file) at or past the
 *      job's entry: it is exported already, done;
 *   3. else every entry after the mark up to the job's is appended, and fsynced, if the file is
 *      still as long as step 1 found it;
 *   4. the mark moves to the job's entry, the checkpoint to the end of the file (compare-and-set
 *      from step 1's end: if another export moved it, that one accounted for these lines already).
 * A crash anywhere repeats a step that is safe to repeat; nothing is remembered in memory.
 *
 * Global concurrency 1 does not stop two runs at once: a worker whose event loop blocks past its
 * job lock is still running when the job runs again elsewhere. The run that finds the checkpoint
 * moved (step 1) or the file grown (step 3) since it read them was overtaken: it appends nothing
 * and fails with AuditExportOvertakenError (a retry starts over from the file as it is then).
 */
export function auditExportProcessor(store: PaymentStore, file: AuditExportFile, checkpoint: AuditExportCheckpoint): (job: Job<AuditExportJobData>) => Promise<string> {
  return async (job) => {
    const { paymentId, auditId } = job.data;
    return file.session(async (open) => {
      const from = await checkpoint.offset();
      const tail = await open.readFrom(from, (entries) => store.markAuditExported(entries));
      if (tail.offset !== from && !(await checkpoint.advance(from, tail.offset))) throw new AuditExportOvertakenError(paymentId, auditId, 'the checkpoint moved while the file was read');

      const exportedTo = await store.auditExportedTo(paymentId);
      if (exportedTo !== undefined && compareStreamIds(exportedTo, auditId) >= 0) return 'already-exported';
      const entries = await store.auditEntriesAfter(paymentId, exportedTo, auditId);
      if (entries.at(-1)?.id !== auditId) throw new UnrecoverableError(`payment ${paymentId} has no audit entry ${auditId}`);

      const lines = entries.map((e) => `${JSON.stringify(exportLine(e))}\n`).join('');
      const end = await open.appendIfUnchanged(`${tail.endsWithNewline ? '' : '\n'}${lines}`, tail.size);
      if (end === undefined) throw new AuditExportOvertakenError(paymentId, auditId, 'another export appended to the file');
      await store.markAuditExported([{ paymentId, auditId }]);
      // false: another export read these lines past the checkpoint and moved it already (further).
      await checkpoint.advance(tail.offset, end);
      return 'exported';
    });
  };
}

function exportLine(entry: AuditEntry): AuditExportLine {
  return { auditId: entry.id, paymentId: entry.paymentId, type: entry.type, status: entry.status, at: entry.at, reason: entry.reason ?? null, data: redactAuditData(entry.data) };
}
