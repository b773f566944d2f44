// Everything the suite starts registers how to undo it here, so a normal end, an abort, an error and
// Ctrl-C all stop the same processes: last started, first stopped.

type Cleanup = () => Promise<void> | void;

export class Cleanups {
  private readonly stack: { what: string; run: Cleanup }[] = [];

  /** Returns a function that runs (and removes) this one cleanup early. */
  add(what: string, run: Cleanup): () => Promise<void> {
    const entry = { what, run };
    this.stack.push(entry);
    return async () => {
      const index = this.stack.indexOf(entry);
      if (index < 0) return;
      this.stack.splice(index, 1);
      await entry.run();
    };
  }

  /** Runs every cleanup left, newest first; a failing one is reported and the rest still run. */
  async runAll(log: (message: string) => void): Promise<void> {
    while (this.stack.length > 0) {
      const entry = this.stack.pop();
      if (entry === undefined) break;
      try {
        await entry.run();
      } catch (error) {
        log(`clean-up of ${entry.what} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /** Clean-ups not run yet. */
  get size(): number {
    return this.stack.length;
  }
}
