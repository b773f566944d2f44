import { UnrecoverableError, type Job } from 'bullmq';
import { compareStreamIds } from '@breakwater/redis-store';
import type { AuditEntry } from '../payments/payment';
import type { PaymentStore } from '../payments/payment-store';
import { redactAuditData } from '../payments/pii-redaction';
import type { AuditExportCheckpoint } from './audit-export-checkpoint';
import type { AuditExportFile, AuditExportLine } from './audit-export-file';
import { AuditExportOvertakenError } from './audit-export-overtaken.error';
import type { AuditExportBatchJobData, AuditExportJobData } from './job-data';

/**
 * Ships audit entries to the export file once each, a payment's in the order of its audit
 * stream. A job names one entry (AuditExportJobData) or many (AuditExportBatchJobData, a read of
 * the payment outbox); each named entry goes out with its payment's earlier entries not in the
 * file yet. The audit-export queue runs one job at a time across the fleet, so for each job:
 *   1. the file is read from the fleet's checkpoint on (normally nothing: only lines appended by a
 *      writer that died before step 4), and each entry found moves its payment's mark forward;
 *      the checkpoint moves past them, by compare-and-set from the offset read;
 *   2. each payment whose mark (`auditExportedTo`, the last of its entries in the file) is at or
 *      past the job's latest entry of it is done already;
 *   3. every entry after the mark up to the job's latest, of every other payment, is appended in
 *      one write, and fsynced once, if the file is still as long as step 1 found it;
 *   4. the marks move to the job's entries, the checkpoint to the end of the file (compare-and-set
 *      from step 1's end: if another export moved it, that one accounted for these lines already).
 * A crash anywhere repeats a step that is safe to repeat; nothing is remembered in memory.
 *
 * Global concurrency 1 does not stop two runs at once: a worker whose event loop blocks past its
 * job lock is still running when the job runs again elsewhere. The run that finds the checkpoint
 * moved (step 1) or the file grown (step 3) since it read them was overtaken: it appends nothing
 * and fails with AuditExportOvertakenError (a retry starts over from the file as it is then).
 * A named entry its payment does not have (a bug, or a payment gone) fails the job for good
 * (UnrecoverableError, so it lands in the dead-letter queue) after the others are exported.
 */
export function auditExportProcessor(store: PaymentStore, file: AuditExportFile, checkpoint: AuditExportCheckpoint): (job: Job<AuditExportJobData | AuditExportBatchJobData>) => Promise<string> {
  return async (job) => {
    const latest = latestPerPayment('entries' in job.data ? job.data.entries : [job.data]);
    return file.session(async (open) => {
      const from = await checkpoint.offset();
      const tail = await open.readFrom(from, (entries) => store.markAuditExported(entries));
      if (tail.offset !== from && !(await checkpoint.advance(from, tail.offset))) throw new AuditExportOvertakenError(describe(latest), 'the checkpoint moved while the file was read');

      const marks = await Promise.all([...latest].map(async ([paymentId, auditId]) => ({ paymentId, auditId, exportedTo: await store.auditExportedTo(paymentId) })));
      const todo = marks.filter((m) => m.exportedTo === undefined || compareStreamIds(m.exportedTo, m.auditId) < 0);
      if (todo.length === 0) return 'already-exported';
      const lists = await Promise.all(todo.map((m) => store.auditEntriesAfter(m.paymentId, m.exportedTo, m.auditId)));
      const missing = todo.filter((m, i) => lists[i].at(-1)?.id !== m.auditId);
      const found = todo.filter((m, i) => lists[i].at(-1)?.id === m.auditId);
      const lines = lists
        .filter((l, i) => l.at(-1)?.id === todo[i].auditId)
        .flat()
        .map((e) => `${JSON.stringify(exportLine(e))}\n`)
        .join('');
      if (lines !== '') {
        const end = await open.appendIfUnchanged(`${tail.endsWithNewline ? '' : '\n'}${lines}`, tail.size);
        if (end === undefined) throw new AuditExportOvertakenError(describe(latest), 'another export appended to the file');
        await store.markAuditExported(found.map(({ paymentId, auditId }) => ({ paymentId, auditId })));
        // false: another export read these lines past the checkpoint and moved it already (further).
        await checkpoint.advance(tail.offset, end);
      }
      if (missing.length > 0) throw new UnrecoverableError(`no such audit entries: ${missing.map((m) => `payment ${m.paymentId} has no audit entry ${m.auditId}`).join('; ')}`);
      return 'exported';
    });
  };
}

/** Each payment's latest entry named by the job: the earlier ones go with it. */
function latestPerPayment(entries: readonly AuditExportJobData[]): Map<string, string> {
  const latest = new Map<string, string>();
  for (const { paymentId, auditId } of entries) {
    const seen = latest.get(paymentId);
    if (seen === undefined || compareStreamIds(auditId, seen) > 0) latest.set(paymentId, auditId);
  }
  return latest;
}

function describe(latest: ReadonlyMap<string, string>): string {
  const [first] = latest;
  return latest.size === 1 && first !== undefined ? `${first[0]}/${first[1]}` : `${latest.size} payments`;
}

function exportLine(entry: AuditEntry): AuditExportLine {
  return { auditId: entry.id, paymentId: entry.paymentId, type: entry.type, status: entry.status, at: entry.at, reason: entry.reason ?? null, data: redactAuditData(entry.data) };
}
