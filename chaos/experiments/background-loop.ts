// A fault that repeats until the heal (Redis blips, a rolling restart): started by inject, ended by
// heal or by the experiment's abort signal, whichever comes first.
import { sleep } from '../infra/process-signals';

export class BackgroundLoop {
  private controller: AbortController | undefined;
  private running: Promise<void> = Promise.resolve();

  start(everyMs: number, step: () => Promise<void> | void, outer: AbortSignal, log: (message: string) => void): void {
    const controller = new AbortController();
    this.controller = controller;
    const signal = AbortSignal.any([outer, controller.signal]);
    this.running = (async () => {
      while (!signal.aborted) {
        try {
          await step();
        } catch (error) {
          log(`background fault step failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        await sleep(everyMs, signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.running;
  }
}
