// `routing.json` in the fleet's directory: which instances nginx routes to and why, written whole
// (temporary file, then rename) on every change, as restarts.json is, so a test or an operator
// reads it without parsing stderr.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ROUTING_STATUS_FILE_NAME = 'routing.json';

export interface InstanceRoutingStatus {
  /** The launcher's judgement from GET /health/ready (after the fall/rise thresholds). */
  ready: boolean;
  /** In nginx's upstream now (false: marked `down` in the config nginx runs). */
  routed: boolean;
}

export interface RoutingStatusFile {
  /** false when FLEET_READINESS_ROUTING=off: nginx routes to every instance. */
  enabled: boolean;
  instances: Record<string, InstanceRoutingStatus>;
  /** True while no instance is ready and every one is routed anyway. */
  noneReady: boolean;
  /** nginx reloads done for readiness since READY. */
  reloads: number;
}

export class RoutingStatus {
  private state: RoutingStatusFile;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly log: (message: string) => void,
    initial: RoutingStatusFile,
  ) {
    this.state = initial;
  }

  static inDir(dir: string, log: (message: string) => void, initial: RoutingStatusFile): RoutingStatus {
    return new RoutingStatus(join(dir, ROUTING_STATUS_FILE_NAME), log, initial);
  }

  /** Changes the state with `change` and writes the file; resolves once this change is on disk. */
  update(change: (state: RoutingStatusFile) => RoutingStatusFile): Promise<void> {
    this.state = change(this.state);
    const snapshot = `${JSON.stringify(this.state)}\n`;
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
