// What every part starter needs, and the two steps they share: start a child and wait until it is
// ready (stopping it if it is not), and retry on another port when the chosen one was taken.
import { join } from 'node:path';
import { PortAllocator } from '../ports';
import { PartStartError } from '../readiness';
import { SECRET_ENV_NAMES } from '../secrets';
import type { ChildSpec, ManagedProcess, Supervisor } from '../supervisor';

/** The repository root (scripts/fleet/parts -> root). */
export const REPO_ROOT = join(__dirname, '..', '..', '..');
/** Tries per part when its port is taken between the probe and the bind. */
const PORT_ATTEMPTS = 3;

export interface PartContext {
  supervisor: Supervisor;
  ports: PortAllocator;
  /** The fleet's working directory. */
  dir: string;
  log: (message: string) => void;
}

export interface StartedPart<T> {
  process: ManagedProcess;
  value: T;
}

/** A part that can be started again after READY (restarter.ts). */
export interface RestartablePart<T> extends StartedPart<T> {
  /** Starts it again on the port it got (the one the other parts were told); rejects when it does not come up. */
  restart: () => Promise<ManagedProcess>;
}

/** Spawns `spec` and runs `ready` on it; on failure the child is stopped before the error is thrown. */
export async function startPart<T>(context: PartContext, spec: ChildSpec, ready: (part: ManagedProcess) => Promise<T>): Promise<StartedPart<T>> {
  const part = context.supervisor.start(spec);
  try {
    return { process: part, value: await ready(part) };
  } catch (error) {
    await part.stop();
    throw error;
  }
}

/**
 * Starts a part on `preferred` (or a free port when it is taken); when the bind still fails with
 * "address in use" (another fleet took the port meanwhile), tries again on a free port. The part's
 * restart starts it on the port it got, never another: `restarting` is true then.
 */
export async function withPortRetry<T>(
  context: PartContext,
  name: string,
  preferred: number,
  start: (port: number, restarting: boolean) => Promise<StartedPart<T>>,
): Promise<RestartablePart<T>> {
  let wanted: number | undefined = preferred;
  for (let attempt = 1; ; attempt++) {
    const port = await context.ports.allocate(wanted);
    if (port !== preferred && attempt === 1) context.log(`${name}: port ${preferred} is taken, using ${port}`);
    try {
      const started = await start(port, false);
      return { ...started, restart: async () => (await start(port, true)).process };
    } catch (error) {
      if (!(error instanceof PartStartError) || !error.addressInUse || attempt >= PORT_ATTEMPTS || context.supervisor.isStopping) throw error;
      context.log(`${name}: port ${port} was taken meanwhile, trying another one`);
      wanted = undefined;
    }
  }
}

/**
 * Environment for a TypeScript child run as `node --import tsx <file>` from the repository root:
 * the launcher's own, without its secrets (a part gets those it needs in `extra`).
 */
export function tsChildEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SECRET_ENV_NAMES) delete env[name];
  return { ...env, TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.json'), ...extra };
}
