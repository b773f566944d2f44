// Keeps one part running after READY: a process that exits on its own (any code or signal) is
// started again, with backoff (restart-policy.ts), until the fleet stops. A restart that fails
// (the part does not come up) is reported with its reason and tried again after a longer wait;
// it never brings the fleet down. A stop (Supervisor.stopAll) ends the waiting and the restarts.
import { setTimeout as sleep } from 'node:timers/promises';
import { PartStartError } from './readiness';
import { RestartBackoff, type RestartPolicy } from './restart-policy';
import type { RestartStatus } from './restart-status';
import { describeExit, type ChildExit } from './supervisor';

/** What the restarter needs of a running process (a ManagedProcess, or a test's stand-in). */
export interface RunningProcess {
  readonly pid: number | undefined;
  readonly exited: Promise<ChildExit>;
}

export interface PartToKeep {
  name: string;
  process: RunningProcess;
  /** Starts the part again where the rest of the fleet expects it (same port); rejects when it does not come up. */
  restart: () => Promise<RunningProcess>;
}

export interface RestarterSettings {
  policy: RestartPolicy;
  log: (message: string) => void;
  status: RestartStatus;
  /** Aborted when the fleet stops. */
  stopSignal: AbortSignal;
  now?: () => number;
}

/** Resolves when the fleet stops (never rejects). */
export async function keepRestarting(part: PartToKeep, settings: RestarterSettings): Promise<void> {
  const { log, status, stopSignal } = settings;
  const now = settings.now ?? Date.now;
  const backoff = new RestartBackoff(settings.policy);
  let current = part.process;
  let upSince = now();
  let restarts = 0;
  for (;;) {
    const exit = await current.exited;
    if (stopSignal.aborted) return;
    const how = describeExit(exit);
    let why = `${part.name} (pid ${current.pid}) ${how}`;
    let uptimeMs = now() - upSince;
    void status.update(part.name, { pid: null, up: false, lastExit: how });
    for (;;) {
      restarts += 1;
      const delayMs = backoff.delayAfter(uptimeMs);
      log(`${why}; restart ${restarts} in ${delayMs} ms`);
      void status.update(part.name, { restarts });
      if (!(await waitUnlessStopped(delayMs, stopSignal))) return;
      try {
        current = await part.restart();
      } catch (error) {
        if (stopSignal.aborted) return;
        why = `${part.name} restart ${restarts} failed: ${reasonOf(error)}`;
        uptimeMs = 0;
        continue;
      }
      if (stopSignal.aborted) return; // the stop stops the new process too
      upSince = now();
      log(`${part.name} restarted (pid ${current.pid}), restart ${restarts}`);
      void status.update(part.name, { pid: current.pid ?? null, up: true });
      break;
    }
  }
}

/** False when the fleet stopped during the wait. */
async function waitUnlessStopped(ms: number, stopSignal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal: stopSignal });
    return true;
  } catch {
    return false;
  }
}

/** One line: the part's own output is already on stderr, prefixed with its name. */
function reasonOf(error: unknown): string {
  if (error instanceof PartStartError) return error.reason;
  return error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error);
}
