// The bare gateway's audit file: lines queued in memory and written as they come, one write and
// one fdatasync per batch (a group commit), so the file keeps up at any rate the disk allows.
// Nothing is retried or checkpointed: a crash loses the queued lines (the bare gateway has no
// resilience by design).
import { open, type FileHandle } from 'node:fs/promises';

export class FileBatcher {
  private handle: Promise<FileHandle> | undefined;
  private pending: string[] = [];
  private inFlight = 0;
  private flushing: Promise<void> | undefined;

  constructor(private readonly path: string) {}

  append(line: string): void {
    this.pending.push(line);
    this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
  }

  /** Lines waiting for the next write. */
  queued(): number {
    return this.pending.length;
  }

  /** Lines being written now. */
  writing(): number {
    return this.inFlight;
  }

  async close(): Promise<void> {
    await this.flushing;
    if (this.handle !== undefined) await (await this.handle).close();
  }

  private async flush(): Promise<void> {
    this.handle ??= open(this.path, 'a');
    const file = await this.handle;
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      this.inFlight = batch.length;
      await file.appendFile(batch.join(''));
      await file.datasync();
      this.inFlight = 0;
    }
  }
}
