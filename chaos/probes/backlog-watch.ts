// Watches one queue's backlog (GET /queues every 500 ms) from the inject on: its peak, and when it
// was first empty again after the heal. Runs past the heal and the load, until the drain is seen.
import { BackgroundLoop } from '../experiments/background-loop';
import { sleep } from '../infra/process-signals';
import { backlogOf, queueCounts } from './queue-counts';

const POLL_MS = 500;

export class BacklogWatch {
  peak = 0;
  private healedAt: number | undefined;
  private drainedAt: number | undefined;
  private readonly loop = new BackgroundLoop();

  constructor(
    private readonly lb: string,
    private readonly queue: string,
  ) {}

  start(signal: AbortSignal, log: (message: string) => void): void {
    this.loop.start(POLL_MS, () => this.poll(), signal, log);
  }

  markHealed(): void {
    this.healedAt = Date.now();
  }

  /** ms from the heal to the first empty backlog; null when not seen within `capMs` of now. */
  async drainedAfterHeal(capMs: number, signal: AbortSignal): Promise<number | null> {
    const until = Date.now() + capMs;
    while (this.drainedAt === undefined && Date.now() < until && !signal.aborted) {
      await this.poll();
      if (this.drainedAt === undefined) await sleep(POLL_MS, signal);
    }
    await this.loop.stop();
    return this.drainedAt === undefined || this.healedAt === undefined ? null : this.drainedAt - this.healedAt;
  }

  private async poll(): Promise<void> {
    const counts = await queueCounts(this.lb, this.queue);
    if (counts === undefined) return;
    const backlog = backlogOf(counts);
    this.peak = Math.max(this.peak, backlog);
    if (backlog === 0 && this.healedAt !== undefined && this.drainedAt === undefined) this.drainedAt = Date.now();
  }
}
