/**
 * Another export changed the file or its checkpoint after this one read them: two runs overlap (a
 * worker stalled past its job lock, and the job run again elsewhere). This one appends nothing and
 * fails; a retry starts again from what is in the file then (audit-export-processor.ts).
 */
export class AuditExportOvertakenError extends Error {
  readonly code = 'AUDIT_EXPORT_OVERTAKEN';

  /** @param entries what the export was for: `<paymentId>/<auditId>`, or `<n> payments` for a batch. */
  constructor(
    readonly entries: string,
    readonly what: string,
  ) {
    super(`the export of ${entries} was overtaken: ${what}; nothing appended`);
    this.name = 'AuditExportOvertakenError';
  }
}
