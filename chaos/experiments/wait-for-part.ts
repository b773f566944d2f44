// Healing a process fault means waiting for the launcher to bring the part back (restarts.json).
import { sleep } from '../infra/process-signals';
import { readRestarts } from '../probes/restarts';
import type { FaultContext } from './experiment';

export class PartNotBackError extends Error {
  override readonly name = 'PartNotBackError';
  readonly code = 'CHAOS_PART_NOT_BACK';
}

export async function waitForPartUp(ctx: FaultContext, part: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await readRestarts(ctx.env.fleetDir))[part];
    if (status?.up === true && status.restarts > 0) return;
    if (Date.now() > deadline) throw new PartNotBackError(`${part} was not restarted within ${timeoutMs} ms`);
    await sleep(200);
  }
}
