import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditEntry } from '../payments/payment';

/** One line of the export file. */
export interface AuditExportLine {
  auditId: string;
  paymentId: string;
  type: string;
  status: string;
  at: number;
  reason: string | null;
  data: Record<string, string>;
}

/**
 * The audit export sink: a JSON-lines file, each audit entry at most once. Before appending, it
 * reads whatever the file gained since its last read (other processes append to it too) into
 * the set of exported entries, and skips an entry already there. The check and the append are
 * atomic only because the audit-export queue runs one job at a time across the fleet (BullMQ
 * global concurrency 1); the append is fsynced before the job completes, so a retried job finds
 * its line.
 */
export class AuditExportFile {
  private readonly exported = new Set<string>();
  /** Bytes of the file read into `exported`: always the end of a complete line. */
  private offset = 0;
  /** Whether the file ends with a newline (false after a torn write by a crashed process). */
  private endsWithNewline = true;

  constructor(readonly path: string) {}

  /** Appends the entry unless it is in the file already; true when it appended. */
  async exportOnce(entry: AuditEntry): Promise<boolean> {
    await mkdir(dirname(this.path), { recursive: true });
    const file = await open(this.path, 'a+');
    try {
      await this.catchUp(file);
      if (this.exported.has(exportKey(entry.paymentId, entry.id))) return false;
      const line: AuditExportLine = { auditId: entry.id, paymentId: entry.paymentId, type: entry.type, status: entry.status, at: entry.at, reason: entry.reason ?? null, data: entry.data };
      const text = `${this.endsWithNewline ? '' : '\n'}${JSON.stringify(line)}\n`;
      await file.appendFile(text, 'utf8');
      await file.sync();
      return true;
    } finally {
      await file.close();
    }
  }

  /** Reads the lines appended since the last read (by anyone) into `exported`. */
  private async catchUp(file: FileHandle): Promise<void> {
    const { size } = await file.stat();
    if (size < this.offset) {
      // The file was truncated or replaced: start over.
      this.offset = 0;
      this.exported.clear();
    }
    if (size === this.offset) return;
    const buffer = Buffer.alloc(size - this.offset);
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await file.read(buffer, read, buffer.length - read, this.offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    const chunk = buffer.subarray(0, read);
    const lastNewline = chunk.lastIndexOf(0x0a);
    this.endsWithNewline = read > 0 && chunk[read - 1] === 0x0a;
    if (lastNewline < 0) {
      // Only a partial line: keep it unread, it is not an entry yet (a torn write).
      this.endsWithNewline = false;
      return;
    }
    for (const text of chunk.subarray(0, lastNewline).toString('utf8').split('\n')) {
      const key = exportKeyOf(text);
      if (key !== undefined) this.exported.add(key);
    }
    this.offset += lastNewline + 1;
  }
}

/** Audit ids are ids in each payment's own stream: two payments can share one. */
const exportKey = (paymentId: string, auditId: string): string => `${paymentId} ${auditId}`;

function exportKeyOf(line: string): string | undefined {
  if (line.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { paymentId, auditId } = parsed as { paymentId?: unknown; auditId?: unknown };
    return typeof paymentId === 'string' && typeof auditId === 'string' ? exportKey(paymentId, auditId) : undefined;
  } catch {
    return undefined; // a torn line, completed by a newline from the next writer
  }
}
