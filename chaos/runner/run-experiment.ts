// One experiment from start to clean-up: steady load, inject, hold, heal, recover; the abort
// conditions watched every tick; then the data check and the measurements. The environment is
// started and stopped by the caller (a --url fleet is not ours to stop).
import { randomUUID } from 'node:crypto';
import { runDataCheck, type DataCheck } from '../checks/data-check';
import type { Experiment, FaultContext, Timing } from '../experiments/experiment';
import { sleep } from '../infra/process-signals';
import { OpenModelLoad } from '../load/load-generator';
import type { Sample } from '../load/sample';
import { availability } from '../metrics/availability';
import { fleetOpenAt } from '../metrics/breaker-timeline';
import { BreakerPoller } from '../probes/breaker-poller';
import { readRestarts, unplannedExits } from '../probes/restarts';
import type { Environment } from './environment';
import { measure } from './measure';
import { ProgressLine } from './progress';
import type { ExperimentResult } from './result';

const TICK_MS = 500;
/**
 * Load before the clock starts, not measured: a fleet that just started runs on a cold JIT and
 * cold connections (p95 of seconds for its first seconds on the 2-core machine), not its steady state.
 */
export const WARMUP_MS = 5_000;
const CONNECTIONS = 128;
/** Abort rule needs this many answers in its window before it judges. */
const ABORT_MIN_SAMPLES = 20;

export interface RunSettings {
  env: Environment;
  timing: Timing;
  ratePerSecond: number;
  /** How long PENDING_REVIEW payments get to be reconciled after the load. */
  recoveryWindowMs: number;
  auditWaitMs: number;
  log: (message: string) => void;
  /** Ctrl-C: the experiment heals and ends early. */
  signal: AbortSignal;
}

export async function runExperiment(experiment: Experiment, settings: RunSettings): Promise<{ result: ExperimentResult; samples: Sample[] }> {
  const { env, timing, log } = settings;
  const warmup = new OpenModelLoad({ url: env.lb, ratePerSecond: settings.ratePerSecond, durationMs: WARMUP_MS, keyPrefix: `chaos-warmup-${randomUUID().slice(0, 8)}-`, connections: CONNECTIONS, now: () => performance.now() });
  const stopWarmup = (): void => warmup.stop();
  settings.signal.addEventListener('abort', stopWarmup, { once: true });
  if (!settings.signal.aborted) await warmup.run();
  settings.signal.removeEventListener('abort', stopWarmup);
  const t0 = performance.now();
  const now = (): number => performance.now() - t0;
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort();
  settings.signal.addEventListener('abort', onOuterAbort, { once: true });
  const planned: Record<string, number> = {};
  const ctx: FaultContext = { env, log, planExit: (part) => (planned[part] = (planned[part] ?? 0) + 1), signal: stop.signal };
  const poller = new BreakerPoller(env.instances, now);
  const totalMs = timing.beforeMs + timing.faultMs + timing.afterMs;
  const load = new OpenModelLoad({ url: env.lb, ratePerSecond: settings.ratePerSecond, durationMs: totalMs, keyPrefix: `chaos-${experiment.name}-${randomUUID().slice(0, 8)}-`, connections: CONNECTIONS, now });
  const progress = new ProgressLine(experiment.name);
  const window = { startMs: Number.NaN, endMs: Number.NaN };
  let aborted: string | null = settings.signal.aborted ? 'interrupted' : null;
  let error: string | null = null;
  let injected = false;
  let healed = false;
  let leakedCalls: number | null = null;
  let requestsAtInject: number | undefined;

  const heal = async (): Promise<void> => {
    if (!injected || healed) return;
    healed = true;
    window.endMs = now();
    await experiment.heal(ctx);
  };
  const abortWith = (reason: string): void => {
    if (aborted !== null) return;
    aborted = reason;
    log(`ABORT ${experiment.name}: ${reason}`);
    stop.abort();
  };

  poller.start();
  const loadStartMs = now();
  const loadDone = load.run();
  const watcher = (async () => {
    const watched = experiment.watchBreaker;
    while (!stop.signal.aborted) {
      await sleep(TICK_MS, stop.signal);
      const t = now();
      const phase = !injected ? 'before' : healed ? 'after' : 'fault';
      const latest = poller.latest();
      const states = latest === undefined ? '' : Object.values(latest.views).map((v) => (v === null ? 'down' : watched === undefined ? (Object.values(v).every((s) => s === 'CLOSED') ? 'ok' : 'not-closed') : (v[watched] ?? '?'))).join(',');
      progress.update(t, phase, load.sent, load.answered, `${watched ?? 'breakers'}: ${states}`);
      // Judged only once the fault has lasted a whole window: just after the inject, the first
      // answers are the fast failures, and the slow successes due with them have not come back yet.
      if (injected && !healed && t - window.startMs >= experiment.abort.windowMs) {
        const recent = load.answered.filter((s) => s.dueAt >= t - experiment.abort.windowMs);
        const avail = availability(recent, { refusalIsCorrect: !experiment.fallbackExists });
        if (recent.length >= ABORT_MIN_SAMPLES && avail !== null && avail < experiment.abort.minAvailability) abortWith(`availability ${(avail * 100).toFixed(1)}% over the last ${experiment.abort.windowMs} ms is below the abort bound ${(experiment.abort.minAvailability * 100).toFixed(1)}%`);
        if (watched !== undefined && leakedCalls === null && requestsAtInject !== undefined && fleetOpenAt(poller.rounds, watched, window.startMs) !== null) {
          leakedCalls = ((await env.sim.requests().catch(() => ({}) as Record<string, number>))[watched] ?? requestsAtInject) - requestsAtInject;
        }
      }
      const exits = Object.values(unplannedExits(await readRestarts(env.fleetDir), planned)).reduce((a, b) => a + b, 0);
      if (exits > experiment.abort.maxUnplannedExits) abortWith(`${exits} unplanned process exits (bound ${experiment.abort.maxUnplannedExits})`);
    }
  })();

  try {
    await sleep(timing.beforeMs, stop.signal);
    if (!stop.signal.aborted) {
      if (experiment.watchBreaker !== undefined) requestsAtInject = (await env.sim.requests().catch(() => ({}) as Record<string, number>))[experiment.watchBreaker];
      window.startMs = now();
      injected = true;
      log(`inject: ${experiment.title}`);
      await experiment.inject(ctx);
      await sleep(Math.max(0, window.startMs + timing.faultMs - now()), stop.signal);
    }
  } catch (e) {
    error = `inject failed: ${e instanceof Error ? e.message : String(e)}`;
    stop.abort();
  } finally {
    try {
      await heal();
      if (injected) log(`healed: ${experiment.name}`);
    } catch (e) {
      error ??= `heal failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  if (stop.signal.aborted) load.stop();
  const samples = await loadDone;
  const loadEndMs = now();
  stop.abort();
  await watcher;
  await poller.stop();
  progress.done();
  settings.signal.removeEventListener('abort', onOuterAbort);
  if (!injected) Object.assign(window, { startMs: loadEndMs, endMs: loadEndMs });

  const restartParts = await readRestarts(env.fleetDir);
  const restarts = Object.fromEntries(Object.entries(restartParts).map(([name, part]) => [name, part.restarts]));
  const unplanned = unplannedExits(restartParts, planned);
  let data: DataCheck | null = null;
  if (!settings.signal.aborted) {
    try {
      data = await runDataCheck({ lb: env.lb, instances: env.instances, fleetDir: env.fleetDir, sim: env.sim, samples, recoveryWindowMs: settings.recoveryWindowMs, auditWaitMs: settings.auditWaitMs, log, signal: settings.signal });
    } catch (e) {
      error ??= `data check failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const m = measure(experiment, { samples, rounds: poller.rounds, window, loadStartMs, loadEndMs, unplannedExits: Object.values(unplanned).reduce((a, b) => a + b, 0), data });
  if (experiment.verify !== undefined && !settings.signal.aborted) {
    try {
      m.checks.push(...(await experiment.verify({ ...ctx, signal: settings.signal, samples, window })));
    } catch (e) {
      error ??= `verify failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const passed = aborted === null && error === null && m.checks.every((c) => c.pass !== false);
  return {
    samples,
    result: {
      name: experiment.name,
      title: experiment.title,
      blastRadius: experiment.blastRadius,
      ratePerSecond: settings.ratePerSecond,
      instances: env.instances.length,
      timing,
      fallbackExists: experiment.fallbackExists,
      window,
      loadEndMs,
      sent: samples.length,
      phases: m.phases,
      timeToDetectMs: m.timeToDetectMs,
      breakersClosedAfterHealMs: m.breakersClosedAfterHealMs,
      timeToRecoverMs: m.timeToRecoverMs,
      leakedCalls,
      restarts,
      plannedExits: planned,
      unplannedExits: unplanned,
      data,
      checks: m.checks,
      passed,
      aborted,
      error,
      buckets: m.buckets,
      breakerRounds: poller.rounds,
    },
  };
}
