// `npm run bench:gateway` (the default mode, `--mode compare`): Breakwater against the bare
// gateway (bench/baseline), both fleets up at once behind their own nginx, with the same
// simulator build, rate by rate in one run; the order of the two alternates from rate to rate so
// neither always runs beside the same neighbours. For each subject and rate: latency and the
// share of 2xx answers (open loop), CPU per payment per kind of process, Redis commands per
// payment (INFO commandstats deltas: every command, those inside scripts included), and the
// follow-up backlog (audit export, email notifications) during the window and for `tail` after.
// A subject that misses badly (p95 over 1 s or under 99% 2xx) runs no higher rate.
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { fmt, sleep } from '../bench-support';
import { findFreePort } from '../../test/support/redis-server';
import { cpuMsPerPayment, fleetTotal, type ProcessKind } from './cpu-per-payment';
import { cpuBetween, readCpu } from './cpu-usage';
import { sampleWhile, tail, type LagSummary } from './follow-up-lag';
import { FleetProcess, type FleetKind } from './fleet-process';
import { PaymentLoad } from './open-loop';
import { commandsBetween, RedisProbe, type RedisReading } from './redis-probe';
import { describeCounts, summarise, type WindowSummary } from './window-summary';
import { printComparison } from './compare-report';

export interface CompareOptions {
  rates: number[];
  subjects: FleetKind[];
  initialWarmupMs: number;
  warmupMs: number;
  durationMs: number;
  tailMs: number;
  connections: number;
  instances: number;
}

export interface WindowResult {
  /** breakwater or bare here; single or cluster in the topologies mode. */
  subject: string;
  rate: number;
  summary: WindowSummary;
  /** 2xx answers that arrived in the window. */
  payments: number;
  cpu: Map<ProcessKind, number>;
  commands: Map<string, number>;
  lag: LagSummary;
  held: boolean;
}

export interface SubjectEnd {
  subject: string;
  payments: number;
  memoryBytes: number;
  keys: number;
}

export const CUSTOMERS = 100_000;
export const TARGET_P95_MS = 200;
export const TARGET_AVAILABILITY = 0.999;
export const GIVE_UP_P95_MS = 1_000;
export const GIVE_UP_AVAILABILITY = 0.99;
export const SETTLE_MS = 2_000;

export interface Subject {
  kind: string;
  fleet: FleetProcess;
  /** Redis servers the bench started for this fleet (name -> pid), measured as the fleet's `redis`. */
  redisPids: Record<string, number>;
  load: PaymentLoad;
  redis: RedisProbe;
  start: RedisReading;
  givenUp: boolean;
}

export const heldBy = (s: WindowSummary): boolean => s.p95 < TARGET_P95_MS && s.availability >= TARGET_AVAILABILITY && s.achieved >= 0.95 * s.targetRate;

export type WindowOptions = Pick<CompareOptions, 'warmupMs' | 'durationMs' | 'tailMs'>;

export async function window(subject: Subject, rate: number, o: WindowOptions): Promise<WindowResult> {
  const { fleet, load, redis } = subject;
  const parts = { ...fleet.json.pids, ...subject.redisPids };
  const run = load.start(rate);
  await sleep(o.warmupMs);
  const cpuBefore = readCpu(parts);
  const redisBefore = await redis.read();
  const from = performance.now();
  let over = false;
  const during = sampleWhile(fleet.json.lb, redis, () => over);
  await sleep(o.durationMs);
  const to = performance.now();
  over = true;
  const cpuAfter = readCpu(parts);
  const redisAfter = await redis.read();
  await run.stop();
  const maxDuring = await during;
  const after = await tail(fleet.json.lb, redis, o.tailMs);
  const summary = summarise(`${subject.kind} ${rate}/s`, rate, load.samples(), from, to);
  const payments = Math.round(summary.achieved * summary.seconds);
  return {
    subject: subject.kind,
    rate,
    summary,
    payments,
    cpu: cpuMsPerPayment(cpuBetween(cpuBefore, cpuAfter, cpus().length), (to - from) / 1000, payments),
    commands: commandsBetween(redisBefore, redisAfter),
    lag: { maxDuring, ...after },
    held: heldBy(summary),
  };
}

async function startSubject(kind: FleetKind, o: CompareOptions, runId: string): Promise<Subject> {
  const port = await findFreePort();
  const fleet = await FleetProcess.start(o.instances, port, { ADMIN_TOKEN: `bench-gateway-${randomUUID()}` }, kind);
  const redis = await RedisProbe.open(fleet.json.redisUrlFile);
  const load = new PaymentLoad({ url: fleet.json.lb, connections: o.connections, customers: CUSTOMERS, keyPrefix: `bench-${runId}-${kind}-` });
  return { kind, fleet, redisPids: {}, load, redis, start: await redis.read(), givenUp: false };
}

export interface RunWindowsOptions extends WindowOptions {
  rates: readonly number[];
  initialWarmupMs: number;
  /** The rate of the unmeasured warm-up. */
  firstRate: number;
  /** What a subject is called in the progress line (subject, topology). */
  unit: string;
}

/**
 * The measured part of a side-by-side run: each subject warmed up, then every rate in turn with
 * the subjects' order alternating (neither always runs on a machine the other just heated), a
 * subject that misses badly running no higher rate. `costs` is the mode's part of each progress line.
 */
export async function runWindows(subjects: readonly Subject[], o: RunWindowsOptions, costs: (r: WindowResult) => string): Promise<WindowResult[]> {
  const results: WindowResult[] = [];
  console.log(`warm-up: ${o.initialWarmupMs / 1000} s at ${o.firstRate}/s for each ${o.unit} (not measured) ...`);
  for (const s of subjects) {
    const warm = s.load.start(o.firstRate);
    await sleep(o.initialWarmupMs);
    await warm.stop();
  }
  await sleep(SETTLE_MS);
  for (const [i, rate] of o.rates.entries()) {
    const order = i % 2 === 0 ? subjects : [...subjects].reverse();
    for (const s of order) {
      if (s.givenUp) continue;
      const r = await window(s, rate, o);
      results.push(r);
      console.log(
        `  ${s.kind} ${rate}/s: ${fmt(r.summary.achieved, 0)}/s 2xx ${(r.summary.availability * 100).toFixed(2)}%, p95 ${fmt(r.summary.p95, 0)} ms, ` +
          `${costs(r)}${r.held ? '' : ' (not held)'}; answers ${describeCounts(r.summary.outcomes)}`,
      );
      if (r.summary.p95 > GIVE_UP_P95_MS || r.summary.availability < GIVE_UP_AVAILABILITY) s.givenUp = true;
      await sleep(SETTLE_MS);
    }
  }
  return results;
}

export async function runCompareMode(o: CompareOptions): Promise<void> {
  const startedAt = performance.now();
  const runId = randomUUID().slice(0, 8);
  const subjects: Subject[] = [];
  const results: WindowResult[] = [];
  const ends: SubjectEnd[] = [];
  const killAll = (): void => subjects.forEach((s) => s.fleet.kill());
  process.on('exit', killAll);
  // A signal ends the process through exit(), so the 'exit' handler stops both fleets.
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  try {
    for (const kind of o.subjects) subjects.push(await startSubject(kind, o, runId));
    console.log(`fleets ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s: ${subjects.map((s) => `${s.kind} ${s.fleet.json.lb}`).join(', ')}`);
    results.push(
      ...(await runWindows(subjects, { ...o, firstRate: o.rates[0] ?? 100, unit: 'subject' }, (r) =>
        `CPU ${fmt(fleetTotal(r.cpu), 2)} ms/payment, Redis ${fmt(sumOf(r.commands) / Math.max(1, r.payments), 1)} cmds/payment, ` +
        `audit backlog max ${fmt(r.lag.maxDuring.audit)} -> ${fmt(r.lag.afterTail.audit)} after ${o.tailMs / 1000} s`,
      )),
    );
    for (const s of subjects) {
      const now = await s.redis.read();
      const payments = s.load.samples().filter((x) => x.status >= 200 && x.status < 300).length;
      ends.push({ subject: s.kind, payments, memoryBytes: now.usedMemory - s.start.usedMemory, keys: now.keys - s.start.keys });
    }
  } finally {
    for (const s of subjects) {
      s.redis.close();
      await s.load.close();
      const stop = await s.fleet.stop();
      console.log(`${s.kind} fleet stopped: exit code ${stop.exitCode}${stop.killed ? ' (SIGKILL needed)' : ''}; parts still alive: ${stop.survivors.length === 0 ? 'none' : stop.survivors.join(', ')}`);
    }
    process.off('exit', killAll);
  }
  printComparison(results, ends, o);
  console.log(`total run ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  const best = (kind: FleetKind): number => results.filter((r) => r.subject === kind && r.held).reduce((a, r) => Math.max(a, r.rate), 0);
  const ratio = cpuRatio(results);
  console.log(`breakwater-vs-bare cpu ratio: ${ratio === undefined ? '-' : ratio.toFixed(2)}`);
  console.log(`payments-per-minute: ${best('breakwater') * 60}`);
}

export const sumOf = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** Fleet CPU per payment, Breakwater over bare, at the highest rate both held (else the lowest both ran). */
export function cpuRatio(results: readonly WindowResult[]): number | undefined {
  const rates = [...new Set(results.map((r) => r.rate))].sort((a, b) => a - b);
  const pair = (rate: number): [WindowResult, WindowResult] | undefined => {
    const bw = results.find((r) => r.subject === 'breakwater' && r.rate === rate);
    const bare = results.find((r) => r.subject === 'bare' && r.rate === rate);
    return bw === undefined || bare === undefined ? undefined : [bw, bare];
  };
  const bothHeld = rates.filter((rate) => pair(rate)?.every((r) => r.held));
  const rate = bothHeld.at(-1) ?? rates.find((x) => pair(x) !== undefined);
  const p = rate === undefined ? undefined : pair(rate);
  return p === undefined ? undefined : fleetTotal(p[0].cpu) / Math.max(1e-9, fleetTotal(p[1].cpu));
}
