// Polls GET /breakers on every instance (each answers with its own view) and keeps, per round,
// each instance's mode: `fleet`, `local` (any breaker deciding on its local window because Redis
// does not answer), or null when the instance did not answer. Times are Date.now().
import { BackgroundLoop } from '../experiments/background-loop';
import { getJson, isRecord } from './http-json';

const POLL_MS = 250;
const POLL_TIMEOUT_MS = 1_000;

export type InstanceMode = 'fleet' | 'local' | null;

export interface ModeRound {
  at: number;
  modes: Record<string, InstanceMode>;
}

export class ModeWatch {
  readonly rounds: ModeRound[] = [];
  private readonly loop = new BackgroundLoop();

  constructor(private readonly instances: readonly string[]) {}

  start(signal: AbortSignal, log: (message: string) => void): void {
    this.loop.start(POLL_MS, () => this.poll(), signal, log);
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async poll(): Promise<void> {
    const at = Date.now();
    const modes = await Promise.all(this.instances.map((url) => modeOf(url)));
    this.rounds.push({ at, modes: Object.fromEntries(this.instances.map((url, i) => [url, modes[i] ?? null])) });
  }
}

async function modeOf(instance: string): Promise<InstanceMode> {
  try {
    const body = await getJson(`${instance}/breakers`, POLL_TIMEOUT_MS);
    if (!Array.isArray(body)) return null;
    return (body as unknown[]).some((b) => isRecord(b) && b.mode === 'local') ? 'local' : 'fleet';
  } catch {
    return null;
  }
}
