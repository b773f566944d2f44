// `restarts.json` in the fleet's directory: per restarted part, how many restarts it had, its pid
// now and whether it is up, so a chaos test reads the counts without parsing stderr. Written
// whole (temporary file, then rename) after every change, so a reader never sees half of it.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const RESTART_STATUS_FILE_NAME = 'restarts.json';

export interface PartRestartStatus {
  /** Restarts begun since READY (the number in the launcher's `restart N` lines). */
  restarts: number;
  /** The running process, or null while the part is down (backing off or starting). */
  pid: number | null;
  up: boolean;
  /** How the last process ended, as the stderr line says it (`was killed by SIGKILL`). */
  lastExit?: string;
}

export interface RestartStatusFile {
  parts: Record<string, PartRestartStatus>;
}

export class RestartStatus {
  private readonly parts: Record<string, PartRestartStatus> = {};
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly log: (message: string) => void,
  ) {}

  static inDir(dir: string, log: (message: string) => void): RestartStatus {
    return new RestartStatus(join(dir, RESTART_STATUS_FILE_NAME), log);
  }

  /** False while the part is down (exited, backing off or starting again); true for a part it does not know. */
  isUp(name: string): boolean {
    return this.parts[name]?.up ?? true;
  }

  /** Changes one part's entry and writes the file; resolves once this change is on disk. */
  update(name: string, change: Partial<PartRestartStatus>): Promise<void> {
    const before: PartRestartStatus = this.parts[name] ?? { restarts: 0, pid: null, up: false };
    this.parts[name] = { ...before, ...change };
    const snapshot = `${JSON.stringify({ parts: this.parts } satisfies RestartStatusFile)}\n`;
    this.writing = this.writing.then(() => this.write(snapshot));
    return this.writing;
  }

  private async write(content: string): Promise<void> {
    const temporary = `${this.file}.tmp`;
    try {
      await writeFile(temporary, content);
      await rename(temporary, this.file);
    } catch (error) {
      // The directory is removed on stop; a write racing that is no news.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`could not write ${this.file}: ${(error as Error).message}`);
    }
  }
}
