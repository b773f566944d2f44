// A whole run: each selected experiment in its own environment (or the --url fleet), its samples
// and the fleet's log kept in reports/<timestamp>/<experiment>/, then the report. Every process
// it starts is registered with `cleanups`, which the caller runs on any ending.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChaosOptions } from './cli-options';
import { quickTiming } from './experiments/defaults';
import type { Experiment } from './experiments/experiment';
import type { Cleanups } from './infra/cleanups';
import { existingEnvironment } from './runner/existing-environment';
import { startOwnEnvironment } from './runner/own-environment';
import type { ExperimentResult } from './runner/result';
import { runExperiment } from './runner/run-experiment';
import { writeReport, writeSamples } from './report/write-report';

const RECOVERY_WINDOW_MS = { quick: 25_000, full: 45_000 };
/** The audit export lags a busy fleet (docs/resilience.md): CI waits less for it than a full run. */
const AUDIT_WAIT_MS = { quick: 45_000, full: 90_000 };

export interface SuiteRun {
  dir: string;
  report: string;
  results: ExperimentResult[];
  skipped: { name: string; reason: string }[];
}

export async function runSuite(options: ChaosOptions, experiments: readonly Experiment[], cleanups: Cleanups, signal: AbortSignal, log: (message: string) => void): Promise<SuiteRun> {
  const startedAt = new Date().toISOString();
  const dir = resolve(options.reportsDir, startedAt.replace(/[:.]/g, '-'));
  const info = { startedAt, command: `npm run chaos -- ${process.argv.slice(2).join(' ')}`.trim(), quick: options.quick, uptime: uptime(), machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}` };
  const results: ExperimentResult[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const experiment of experiments) {
    if (signal.aborted) break;
    if (options.url !== undefined && (experiment.needsOwnRedis || experiment.fleetEnv !== undefined || experiment.prepare !== undefined)) {
      skipped.push({ name: experiment.name, reason: experiment.needsOwnRedis ? 'needs the suite\'s own Redis and proxy' : 'needs its own fleet settings' });
      continue;
    }
    const experimentDir = join(dir, experiment.name);
    log(`=== ${experiment.name}: ${experiment.title}`);
    let stop: () => Promise<void> = async () => undefined;
    let undoPrepare: () => Promise<void> = async () => undefined;
    try {
      const prepared = options.url === undefined && experiment.prepare !== undefined ? await experiment.prepare({ dir: experimentDir, log }) : undefined;
      if (prepared !== undefined) undoPrepare = cleanups.add(`${experiment.name} preparation`, prepared.undo);
      const own = options.url === undefined ? await startOwnEnvironment({ dir: experimentDir, instances: options.instances, env: { ...experiment.fleetEnv, ...prepared?.fleetEnv }, cleanups }) : undefined;
      if (own !== undefined) stop = own.stop;
      const env = own?.env ?? (await existingEnvironment(options.url ?? '', options.fleetJson));
      const timing = options.quick ? quickTiming(experiment.timing) : experiment.timing;
      const { result, samples } = await runExperiment(experiment, { env, timing, ratePerSecond: options.rate, recoveryWindowMs: options.quick ? RECOVERY_WINDOW_MS.quick : RECOVERY_WINDOW_MS.full, auditWaitMs: options.quick ? AUDIT_WAIT_MS.quick : AUDIT_WAIT_MS.full, log, signal });
      await writeSamples(experimentDir, samples);
      results.push(result);
    } catch (error) {
      log(`${experiment.name} could not run: ${error instanceof Error ? error.message : String(error)}`);
      skipped.push({ name: experiment.name, reason: error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error) });
    } finally {
      await stop();
      await undoPrepare().catch((error: unknown) => log(`undoing ${experiment.name}'s preparation failed: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
  const report = await writeReport(dir, info, results);
  return { dir, report, results, skipped };
}

function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
