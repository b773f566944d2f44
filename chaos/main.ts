// The chaos suite (issue 7): `npm run chaos -- [--experiment NAME] [--quick] [--url URL]`.
// Starts its own fleets (or uses one), drives open-model load, injects each experiment's fault,
// measures, and writes reports/<timestamp>/. Ctrl-C heals the fault in progress and stops
// everything it started; a second Ctrl-C stops at once. Exit code 1 when any experiment failed.
import { ChaosUsageError, parseChaosOptions, USAGE } from './cli-options';
import { EXPERIMENTS, selectExperiments, UnknownExperimentError } from './experiments';
import { Cleanups } from './infra/cleanups';
import { failsGate } from './metrics/gate';
import { SUMMARY_HEADERS, summaryRow, textTable } from './report/summary-table';
import { runSuite } from './run-suite';

const log = (message: string): void => {
  process.stderr.write(`[chaos] ${new Date().toISOString()} ${message}\n`);
};

async function main(): Promise<number> {
  let options;
  let experiments;
  try {
    options = parseChaosOptions(process.argv.slice(2));
    experiments = selectExperiments(options.experiments, options.quick);
  } catch (error) {
    if (!(error instanceof ChaosUsageError) && !(error instanceof UnknownExperimentError)) throw error;
    process.stderr.write(`chaos: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.list) {
    for (const e of EXPERIMENTS) process.stdout.write(`${e.name.padEnd(32)} ${e.quick ? 'quick ' : '      '}${e.title}\n`);
    return 0;
  }
  const cleanups = new Cleanups();
  const interrupt = new AbortController();
  let signals = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      log(`${name}: healing, stopping the load and everything the suite started`);
      interrupt.abort();
      return;
    }
    log(`${name} again: stopping now`);
    void cleanups.runAll(log).finally(() => process.exit(130));
  };
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(name, onSignal);
  try {
    const run = await runSuite(options, experiments, cleanups, interrupt.signal, log);
    process.stdout.write(`\n${textTable(SUMMARY_HEADERS, run.results.map(summaryRow))}\n`);
    for (const s of run.skipped) process.stdout.write(`skipped ${s.name}: ${s.reason}\n`);
    process.stdout.write(`report: ${run.report}\n`);
    const failed = run.results.filter((r) => failsGate(r, options.gate)).length + run.skipped.filter(() => options.url === undefined).length;
    if (options.gate === 'safety') process.stdout.write(`gate: safety (${run.results.filter((r) => !r.passed).length} experiment(s) missed a latency, throughput, availability or recovery target; see the report)\n`);
    if (interrupt.signal.aborted) return 130;
    return failed > 0 || run.results.length === 0 ? 1 : 0;
  } finally {
    await cleanups.runAll(log);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
