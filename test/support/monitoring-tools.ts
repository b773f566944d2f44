// promtool and prometheus (Debian's `prometheus` package) for the tests that run them on live
// fleets. They are opt-in on a developer's machine (SETUP_EXTRAS=prometheus bash scripts/setup.sh)
// and always installed in CI (.ci/run): absent locally, such a test is skipped with a message;
// absent in CI, it fails.
import { spawnSync } from 'node:child_process';

export const INSTALL_HINT = 'SETUP_EXTRAS=prometheus bash scripts/setup.sh installs them';

export const inCi = (): boolean => {
  const ci = process.env.CI ?? '';
  return ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
};

/** The binaries of `names` that do not run here. */
export function missingTools(names: readonly string[]): string[] {
  return names.filter((name) => spawnSync(name, ['--version'], { encoding: 'utf8' }).error !== undefined);
}

export interface PromtoolRun {
  status: number | null;
  output: string;
}

/** `promtool <args>`, with `input` on its stdin. */
export function promtool(args: readonly string[], input?: string): PromtoolRun {
  const run = spawnSync('promtool', args, { encoding: 'utf8', input });
  if (run.error !== undefined) throw new Error(`promtool could not run (${run.error.message}): ${INSTALL_HINT}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
