// `npm run bench:gateway -- --mode faults`: the payment gateway's rates and a provider outage.
//
// Starts a fleet with the launcher (`npm run -s fleet -- --instances 2 --port <free>`: Redis, the
// simulator, 2 payment-api instances, nginx) and drives POST /payments through nginx with an
// open-loop generator (bench/gateway/open-loop.ts: fixed arrival rate, undici Pool with keep-alive,
// a unique Idempotency-Key per request, customerId spread over many customers).
//
// 1. Healthy: each rate of --rates for --warmup-s, then --duration-s measured: achieved 2xx rate,
//    answers per status, p50/p95/p99 latency (due time to answer), CPU per fleet part.
// 2. provider-a down (PUT <sim>/_faults/provider-a {"mode":"down"}) at --fault-rate: availability
//    (share of 2xx), latency, and provider-a's requests from the fault until every instance
//    reports its breaker OPEN (from <sim>/_stats).
// 3. Heal (DELETE <sim>/_faults), same load: time until provider-a's breaker is CLOSED on every
//    instance (GET /breakers on each) and until payments are charged by provider-a again.
// 4. The simulator's ledger: every payment id charged once, across all providers.
//
// The load generator runs on the same machine as the fleet and competes with it for the cores.
// The last line printed is `payments-per-minute: N` (the highest healthy rate with p95 < 200 ms,
// every request answered 2xx and at least 95% of the target achieved, times 60).
import { randomUUID } from 'node:crypto';
import { arch, cpus, loadavg, platform, release } from 'node:os';
import { findFreePort } from '../../test/support/redis-server';
import { fmt, sleep, table } from '../bench-support';
import { busiestOthers, cpuBetween, readCpu, type CpuShare } from './cpu-usage';
import { clearFaults, queueBacklog, serviceStats, setFault, totalOf, waitForFleetState } from './fleet-api';
import { FleetProcess, type FleetJson } from './fleet-process';
import { checkLedger, type LedgerCheck } from './ledger-check';
import { PaymentLoad, type Sample } from './open-loop';
import { SUMMARY_HEADERS, describeCounts, summarise, summaryRow, type WindowSummary } from './window-summary';

export interface FaultModeOptions {
  rates: number[];
  faultRate: number;
  initialWarmupMs: number;
  warmupMs: number;
  durationMs: number;
  connections: number;
  instances: number;
}

const CUSTOMERS = 100_000; // fraud velocity rule: over 10 payments per customer per minute
const TARGET_P95_MS = 200;
const SETTLE_MS = 3_000; // between phases: queues drain, the machine calms down
const POLL_MS = 25;
/** The fault phase starts after a full breaker window (10 s) of healthy traffic at its rate. */
const FAULT_WARMUP_MS = 10_000;
const CLOSED_BEFORE_FAULT_TIMEOUT_MS = 60_000;
/** Before the fault phase the job queues drain (the overloaded rates leave a backlog of notifications). */
const QUEUE_DRAINED = 100;
const QUEUE_DRAIN_TIMEOUT_MS = 60_000;
const RECOVERY_TIMEOUT_MS = 45_000;
const RECOVERY_TAIL_MS = 3_000; // load kept on after recovery, to see that it holds
const PROVIDER = 'provider-a';
const RUN_ID = randomUUID().slice(0, 8);

interface HealthyResult {
  summary: WindowSummary;
  cpu: CpuShare[];
  /** The busiest processes that are neither the fleet nor the generator. */
  others: CpuShare[];
  /** Jobs waiting or running in the fleet's queues at the start and the end of the window. */
  jobsBefore: Map<string, number>;
  jobsAfter: Map<string, number>;
}

interface FaultResult {
  down: WindowSummary;
  recovery: WindowSummary;
  /** ms from the fault until every instance reported OPEN; undefined if it never did. */
  tripMs?: number;
  requestsBeforeTrip?: number;
  requestsWhileDown: number;
  closedMs?: number;
  firstPaymentViaAMs?: number;
  /** From the heal until the last 2xx answer charged by another provider (requests sent after the heal). */
  lastElsewhereMs?: number;
}

async function healthy(load: PaymentLoad, fleet: FleetJson, rate: number, o: FaultModeOptions): Promise<HealthyResult> {
  const run = load.start(rate);
  await sleep(o.warmupMs);
  const jobsBefore = await queueBacklog(fleet.lb);
  const cpuBefore = readCpu(fleet.pids);
  const from = performance.now();
  await sleep(o.durationMs);
  const to = performance.now();
  const cpuAfter = readCpu(fleet.pids);
  const jobsAfter = await queueBacklog(fleet.lb);
  const samples = await run.stop();
  return {
    summary: summarise(`healthy ${rate}/s`, rate, samples, from, to),
    cpu: cpuBetween(cpuBefore, cpuAfter, cpus().length),
    others: busiestOthers(cpuBefore, cpuAfter, 3),
    jobsBefore,
    jobsAfter,
  };
}

async function providerDownAndHeal(load: PaymentLoad, fleet: FleetJson, o: FaultModeOptions): Promise<FaultResult> {
  let healedAt = Infinity;
  let firstViaA: number | undefined;
  const run = load.start(o.faultRate, (s: Sample) => {
    if (s.sentAt >= healedAt && s.provider === PROVIDER && firstViaA === undefined) firstViaA = s.doneAt;
  });
  await sleep(Math.max(o.warmupMs, FAULT_WARMUP_MS));

  // 2. provider-a down
  const before = await serviceStats(fleet.sim);
  await setFault(fleet.sim, PROVIDER, { mode: 'down' });
  const faultAt = performance.now();
  const tripped = await waitForFleetState(fleet.instances, PROVIDER, ['OPEN'], POLL_MS, o.durationMs);
  const atTrip = tripped === undefined ? undefined : await serviceStats(fleet.sim);
  await sleep(Math.max(0, faultAt + o.durationMs - performance.now()));
  const whileDown = await serviceStats(fleet.sim);

  // 3. heal
  await clearFaults(fleet.sim);
  healedAt = performance.now();
  const closed = await waitForFleetState(fleet.instances, PROVIDER, ['CLOSED'], POLL_MS, RECOVERY_TIMEOUT_MS);
  while (firstViaA === undefined && performance.now() < healedAt + RECOVERY_TIMEOUT_MS) await sleep(POLL_MS);
  await sleep(RECOVERY_TAIL_MS);
  const stoppedAt = performance.now();
  const samples = await run.stop();

  const requestsOf = (stats: Record<string, { requests: number }>): number => stats[PROVIDER]?.requests ?? 0;
  const elsewhere = samples.filter((s) => s.sentAt >= healedAt && s.status >= 200 && s.status < 300 && s.provider !== null && s.provider !== PROVIDER);
  return {
    down: summarise(`${PROVIDER} down`, o.faultRate, samples, faultAt, healedAt),
    recovery: summarise('after heal', o.faultRate, samples, healedAt, stoppedAt),
    tripMs: tripped === undefined ? undefined : tripped.at - faultAt,
    requestsBeforeTrip: atTrip === undefined ? undefined : requestsOf(atTrip) - requestsOf(before),
    requestsWhileDown: requestsOf(whileDown) - requestsOf(before),
    closedMs: closed === undefined ? undefined : closed.at - healedAt,
    firstPaymentViaAMs: firstViaA === undefined ? undefined : firstViaA - healedAt,
    lastElsewhereMs: elsewhere.length === 0 ? undefined : elsewhere.reduce((a, s) => Math.max(a, s.doneAt), 0) - healedAt,
  };
}

function printHeader(o: FaultModeOptions): void {
  console.log('Breakwater payment gateway load benchmark');
  console.log(`node ${process.version}, ${platform()} ${release()} ${arch()}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}`);
  console.log(`load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(
    `healthy rates ${o.rates.join(', ')}/s; fault phase ${o.faultRate}/s; ${o.initialWarmupMs / 1000} s initial warm-up, then ${o.warmupMs / 1000} s warm-up + ${o.durationMs / 1000} s measured per phase; ` +
      `${o.connections} keep-alive connections to nginx; ${fmt(CUSTOMERS)} customers; run ${RUN_ID}`,
  );
  console.log('The load generator (this process) shares the machine\'s cores with the fleet it measures.');
}

function printResults(rows: HealthyResult[], fault: FaultResult | undefined, ledgerCheck: LedgerCheck | undefined, o: FaultModeOptions): void {
  const summaries = [...rows.map((r) => r.summary), ...(fault === undefined ? [] : [fault.down, fault.recovery])];
  console.log('');
  console.log('Latency is from the moment a request was due (open loop) to its answer.');
  console.log(table(SUMMARY_HEADERS, summaries.map(summaryRow)));
  console.log('');
  console.log('2xx answers by provider:');
  for (const s of summaries) console.log(`  ${s.label}: ${describeCounts(s.providers)}`);
  console.log('');
  console.log('CPU during each healthy window, % of one core (utime + stime deltas from /proc, descendants included):');
  const names = rows[0]?.cpu.map((c) => c.name) ?? [];
  console.log(table(['process', ...rows.map((r) => r.summary.label)], names.map((n) => [n, ...rows.map((r) => fmt(r.cpu.find((c) => c.name === n)?.percentOfCore ?? 0))])));
  console.log('');
  console.log('Jobs waiting or running in the fleet\'s queues (notifications, audit export, reconcile), start -> end of each healthy window:');
  for (const r of rows) console.log(`  ${r.summary.label}: ${fmt(totalOf(r.jobsBefore))} -> ${fmt(totalOf(r.jobsAfter))} (${describeCounts(r.jobsAfter)})`);
  for (const r of rows) console.log(`  busiest other processes during ${r.summary.label}: ${r.others.map((c) => `${c.name} ${fmt(c.percentOfCore)}`).join(', ') || 'none over 1%'}`);
  if (fault !== undefined) {
    const ms = (n: number | undefined): string => (n === undefined ? 'never' : `${fmt(n)} ms`);
    console.log('');
    console.log(`${PROVIDER} down at ${o.faultRate}/s:`);
    console.log(`  breaker OPEN on every instance ${ms(fault.tripMs)} after the fault (polled every ${POLL_MS} ms)`);
    console.log(`  ${PROVIDER} received ${fault.requestsBeforeTrip ?? '?'} requests before the fleet tripped, ${fault.requestsWhileDown} in the whole ${o.durationMs / 1000} s outage (probes included)`);
    console.log(`  availability ${(fault.down.availability * 100).toFixed(3)}% (${fmt(fault.down.requests)} requests)`);
    console.log('after the heal:');
    console.log(`  breaker CLOSED on every instance ${ms(fault.closedMs)} after the heal`);
    console.log(`  first payment charged by ${PROVIDER} again ${ms(fault.firstPaymentViaAMs)} after the heal`);
    console.log(`  last payment (sent after the heal) charged elsewhere ${ms(fault.lastElsewhereMs)} after the heal`);
  }
  if (ledgerCheck !== undefined) {
    console.log('');
    console.log(
      `ledger: ${fmt(ledgerCheck.charges)} charges (${describeCounts(ledgerCheck.byProvider)}); ${fmt(ledgerCheck.distinctIds)} distinct payment ids; ` +
        `double charges: ${ledgerCheck.doubleCharged.length}; 2xx AUTHORIZED answers not in the ledger: ${ledgerCheck.authorizedNotCharged}; ` +
        `charges without a 2xx answer: ${ledgerCheck.chargedWithoutAnswer}`,
    );
    if (ledgerCheck.doubleCharged.length > 0) console.log(`  double-charged ids (first 10): ${ledgerCheck.doubleCharged.slice(0, 10).join(' ')}`);
  }
}

/** The healthy rates, then provider-a down and healed, then the ledger (`--mode faults`). */
export async function runFaultMode(o: FaultModeOptions): Promise<void> {
  const startedAt = performance.now();
  printHeader(o);
  const port = await findFreePort();
  const fleet = await FleetProcess.start(o.instances, port, { ADMIN_TOKEN: `bench-gateway-${randomUUID()}` });
  const killOnExit = (): void => fleet.kill();
  process.on('exit', killOnExit);
  process.once('SIGINT', () => process.exit(130));
  console.log(`fleet ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s: ${JSON.stringify(fleet.json)}`);

  const load = new PaymentLoad({ url: fleet.json.lb, connections: o.connections, customers: CUSTOMERS, keyPrefix: `bench-${RUN_ID}-` });
  const rows: HealthyResult[] = [];
  let fault: FaultResult | undefined;
  let ledgerCheck: LedgerCheck | undefined;
  try {
    const firstRate = o.rates[0] ?? 100;
    console.log(`warm-up: ${o.initialWarmupMs / 1000} s at ${firstRate}/s (JIT, connections, caches; not measured) ...`);
    const warmup = load.start(firstRate);
    await sleep(o.initialWarmupMs);
    await warmup.stop();
    await sleep(SETTLE_MS);
    for (const rate of o.rates) {
      console.log(`phase 1: healthy at ${rate}/s ...`);
      const row = await healthy(load, fleet.json, rate, o);
      rows.push(row);
      console.log(`  ${summaryRow(row.summary).slice(1, 10).join(' | ')} | jobs queued ${fmt(totalOf(row.jobsAfter))}`);
      await sleep(SETTLE_MS);
    }
    const drainUntil = performance.now() + QUEUE_DRAIN_TIMEOUT_MS;
    let backlog = await queueBacklog(fleet.json.lb);
    while (totalOf(backlog) > QUEUE_DRAINED && performance.now() < drainUntil) {
      await sleep(1_000);
      backlog = await queueBacklog(fleet.json.lb);
    }
    console.log(`  jobs still queued before the fault phase (waited up to ${QUEUE_DRAIN_TIMEOUT_MS / 1000} s): ${fmt(totalOf(backlog))} (${describeCounts(backlog)})`);
    const closed = await waitForFleetState(fleet.json.instances, PROVIDER, ['CLOSED'], POLL_MS, CLOSED_BEFORE_FAULT_TIMEOUT_MS);
    if (closed === undefined) throw new Error(`${PROVIDER}'s breaker is not CLOSED on every instance before the fault phase`);
    console.log(`phase 2 and 3: ${PROVIDER} down, then healed, at ${o.faultRate}/s (after ${FAULT_WARMUP_MS / 1000} s of healthy traffic) ...`);
    fault = await providerDownAndHeal(load, fleet.json, o);
    console.log('phase 4: the ledger ...');
    ledgerCheck = await checkLedger(fleet.json.sim, load.samples());
  } catch (error) {
    console.error(`the benchmark failed; last fleet output:\n${fleet.lastOutput()}`);
    throw error;
  } finally {
    await load.close();
    const stop = await fleet.stop();
    process.off('exit', killOnExit);
    console.log(`fleet stopped: launcher exit code ${stop.exitCode}${stop.killed ? ' (SIGKILL needed)' : ''}; parts still alive: ${stop.survivors.length === 0 ? 'none' : stop.survivors.join(', ')}`);
  }

  printResults(rows, fault, ledgerCheck, o);
  const sustained = rows.filter((r) => r.summary.p95 < TARGET_P95_MS && r.summary.availability === 1 && r.summary.achieved >= 0.95 * r.summary.targetRate);
  const best = sustained.reduce((a, r) => Math.max(a, r.summary.targetRate), 0);
  console.log('');
  console.log(`requests sent in all: ${fmt(load.samples().length)}; load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}; total run ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  console.log(`payments-per-minute: ${best * 60}`);
}
