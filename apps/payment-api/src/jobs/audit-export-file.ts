import { fstatSync, writeSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

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

/** An entry a line of the file names. */
export interface ExportedEntry {
  paymentId: string;
  auditId: string;
}

/** Where the complete lines of the file end, once read. */
export interface FileTail {
  /** The byte after the last complete line (what follows, if anything, is a torn line). */
  offset: number;
  /** The file ends with a newline (false after a torn write by a crashed writer). */
  endsWithNewline: boolean;
  /** The file's size when it was read: an append expects it still (appendIfUnchanged). */
  size: number;
}

/** Bytes read at a time. */
const CHUNK_BYTES = 1024 * 1024;
/** A longer line is not an export line (a line is a few hundred bytes): skipped, never held. */
const MAX_LINE_BYTES = 1024 * 1024;
/** Entries handed on at once while reading. */
const BATCH = 500;

/**
 * The audit export sink: an append-only JSON-lines file that the fleet shares. It keeps nothing
 * in memory between exports: what is in the file is known from Redis (each payment's export
 * mark and the file's checkpoint, audit-export-processor.ts), and the file is only ever read from
 * the checkpoint on, a chunk at a time, so neither its size nor the number of entries it holds
 * bounds anything.
 */
export class AuditExportFile {
  constructor(readonly path: string) {}

  /** Opens the file (created if missing) for one export, and closes it after `work`. */
  async session<T>(work: (file: OpenExportFile) => Promise<T>): Promise<T> {
    await mkdir(dirname(this.path), { recursive: true });
    const handle = await open(this.path, 'a+');
    try {
      return await work(new OpenExportFile(handle));
    } finally {
      await handle.close();
    }
  }
}

export class OpenExportFile {
  constructor(private readonly handle: FileHandle) {}

  /**
   * Reads the complete lines from `from` (the start of a line; 0 if the file is shorter: it was
   * truncated or replaced) and hands the entries they name to `onEntries`, in batches; lines that
   * name none (torn, or not ours) are skipped. Holds at most a chunk and a line.
   */
  async readFrom(from: number, onEntries: (entries: ExportedEntry[]) => Promise<void>): Promise<FileTail> {
    const { size } = await this.handle.stat();
    let position = from <= size ? from : 0;
    let lineStart = position;
    let carry: Buffer[] = [];
    let carried = 0;
    let skipping = false;
    let batch: ExportedEntry[] = [];
    const buffer = Buffer.alloc(CHUNK_BYTES);
    while (position < size) {
      const { bytesRead } = await this.handle.read(buffer, 0, Math.min(CHUNK_BYTES, size - position), position);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        if (!skipping) {
          const line = carried === 0 ? chunk.subarray(start, nl) : Buffer.concat([...carry, chunk.subarray(start, nl)]);
          const entry = entryOf(line.toString('utf8'));
          if (entry !== undefined) batch.push(entry);
          if (batch.length >= BATCH) {
            await onEntries(batch);
            batch = [];
          }
        }
        carry = [];
        carried = 0;
        skipping = false;
        start = nl + 1;
        lineStart = position + start;
      }
      if (!skipping && start < chunk.length) {
        carried += chunk.length - start;
        if (carried > MAX_LINE_BYTES) {
          skipping = true;
          carry = [];
          carried = 0;
        } else {
          carry.push(Buffer.from(chunk.subarray(start)));
        }
      }
      position += bytesRead;
    }
    if (batch.length > 0) await onEntries(batch);
    return { offset: lineStart, endsWithNewline: lineStart === size, size };
  }

  /**
   * Appends `text` and fsyncs it, only if the file is still `expectedSize` long (as read): the
   * file's size after, or undefined when it grew meanwhile (another export appended: this one
   * lost, and appends nothing). The look and the write are one synchronous step, with no await
   * between them, so no other export of this process runs in between; another process can still
   * append in the microseconds between the two system calls (the export is at least once, see
   * the jobs README).
   */
  async appendIfUnchanged(text: string, expectedSize: number): Promise<number | undefined> {
    const bytes = Buffer.from(text, 'utf8');
    const fd = this.handle.fd;
    if (fstatSync(fd).size !== expectedSize) return undefined;
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
    await this.handle.sync();
    return (await this.handle.stat()).size;
  }
}

const STREAM_ID = /^\d+-\d+$/;

function entryOf(line: string): ExportedEntry | undefined {
  if (line.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { paymentId, auditId } = parsed as { paymentId?: unknown; auditId?: unknown };
    return typeof paymentId === 'string' && paymentId !== '' && typeof auditId === 'string' && STREAM_ID.test(auditId) ? { paymentId, auditId } : undefined;
  } catch {
    return undefined; // a torn line, completed by a newline from the next writer
  }
}
