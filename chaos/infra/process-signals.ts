// Signals to processes the suite started (by pid, never by name), and the last-resort SIGKILLs on
// exit for process groups still alive.

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** False when the process is already gone. */
export function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

const groupsToKill = new Set<number>();
let exitHookInstalled = false;

/** SIGKILLs the process group led by `pid` if this process exits with it still registered. */
export function killGroupOnExit(pid: number): () => void {
  groupsToKill.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const group of groupsToKill) signal(-group, 'SIGKILL');
    });
  }
  return () => groupsToKill.delete(pid);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
