// The downstream simulator (apps/downstream-sim): ready once it printed `SIM READY {"url"}` and
// its /health answers.
import { join } from 'node:path';
import { DEFAULT_SIM_PORT } from '../fleet-options';
import { LOOPBACK } from '../ports';
import { partError, waitForHttpOk, waitForLine } from '../readiness';
import { REPO_ROOT, startPart, tsChildEnv, withPortRetry, type PartContext, type RestartablePart } from './part-context';

const SIM_MAIN = join(REPO_ROOT, 'apps', 'downstream-sim', 'src', 'main.ts');
const SIM_START_TIMEOUT_MS = 60_000;
const READY_LINE = /^SIM READY (\{.*\})\s*$/;
export const SIM_STOP_ORDER = 1;

export function startSimulator(context: PartContext): Promise<RestartablePart<string>> {
  return withPortRetry(context, 'sim', DEFAULT_SIM_PORT, (port, restarting) =>
    startPart(
      context,
      {
        name: 'sim',
        command: process.execPath,
        args: ['--import', 'tsx', SIM_MAIN, '--port', String(port)],
        cwd: REPO_ROOT,
        env: tsChildEnv({ HOST: LOOPBACK, PORT: '' }),
        stopOrder: SIM_STOP_ORDER,
      },
      async (part) => {
        const url = readyUrl(await waitForLine(part, READY_LINE, SIM_START_TIMEOUT_MS));
        if (url === undefined) throw partError(part, 'its SIM READY line has no url');
        if (restarting && url !== `http://${LOOPBACK}:${port}`) throw partError(part, `it listens on ${url}, not on port ${port} where the instances call it`);
        await waitForHttpOk(part, `${url}/health`, SIM_START_TIMEOUT_MS);
        return url;
      },
    ),
  );
}

/** The `url` of a `... READY {"url": ...}` line. */
export function readyUrl(match: RegExpExecArray): string | undefined {
  try {
    const parsed: unknown = JSON.parse(match[1] ?? '');
    const url = typeof parsed === 'object' && parsed !== null ? (parsed as { url?: unknown }).url : undefined;
    return typeof url === 'string' ? url.replace(/\/$/, '') : undefined;
  } catch {
    return undefined;
  }
}
