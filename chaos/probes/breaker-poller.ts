// Polls GET /breakers on every instance (each answers with its own view, no Redis round trip) at
// a fixed interval and keeps the rounds for time to detect, time to recover and the breaker chart.
import { getJson, isRecord } from './http-json';
import type { InstanceView, PollRound } from '../metrics/breaker-timeline';

const POLL_TIMEOUT_MS = 1_000;

export class BreakerPoller {
  readonly rounds: PollRound[] = [];
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly instances: readonly string[],
    private readonly now: () => number,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const atMs = this.now();
        const views = await Promise.all(this.instances.map((url) => viewOf(url)));
        this.rounds.push({ atMs, views: Object.fromEntries(this.instances.map((url, i) => [url, views[i] ?? null])) });
        const wait = this.intervalMs - (this.now() - atMs);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** The latest round, if any. */
  latest(): PollRound | undefined {
    return this.rounds.at(-1);
  }
}

async function viewOf(instance: string): Promise<InstanceView> {
  try {
    const body = await getJson(`${instance}/breakers`, POLL_TIMEOUT_MS);
    if (!Array.isArray(body)) return null;
    const view: Record<string, string> = {};
    for (const entry of body as unknown[]) if (isRecord(entry) && typeof entry.name === 'string' && typeof entry.state === 'string') view[entry.name] = entry.state;
    return view;
  } catch {
    return null;
  }
}
