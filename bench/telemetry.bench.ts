// Telemetry cost benchmark: `npm run bench:telemetry` (tsx bench/telemetry.bench.ts).
//
// What tracing off and the always-on metrics cost on a policy chain call, side by side in one run.
// Success path: the protected call is `async () => 1`; the chain is the gateway's,
// wrap(retry, breaker, bulkhead, timeout) with a local breaker (no Redis: the question is the
// listeners' and the span wrapper's cost, not the fleet's). Subjects, each with its own policies:
//   1. the chain with no telemetry at all (the gateway before issue 8);
//   2. the chain as the gateway builds it with tracing off: the policies bound to ResilienceMetrics
//      (createPolicyTelemetry(registry, false)), no span wrapper, no tracing listener;
//   3. what tracing off would cost had the gateway wrapped the chain anyway and left it to the
//      API's no-ops: metrics + ResilienceTracing + tracedCalls, no SDK registered;
//   4. tracing on, for scale: createPolicyTelemetry(registry, true) + tracedCalls, a real SDK
//      TracerProvider (BatchSpanProcessor into an exporter that drops the spans), the
//      AsyncLocalStorage context manager registered for this subject's runs only;
//   5, 6. the chain without its timeout, with no telemetry and with the metrics listeners: the
//      timeout's setTimeout costs microseconds, and its noise hides a few hundred ns;
//   7. activeTraceparent() with no SDK, outside the chain: the only tracing code a request runs
//      with tracing off (once per payment store write).
// Harness as bench/policies.bench.ts: warm-up passes, then ROUNDS rounds, subjects interleaved and
// the order rotated, a full GC before each timed run, the median round reported. Besides wall time
// per call, the process's CPU time per call at 100 concurrent: on the shared 2-core machine wall
// time also counts the time spent waiting for a core, which swamps differences of a few hundred
// ns; the comparisons use CPU time, paired round by round.
//
// The last line printed is `tracing-off ratio: X.XX` (subject 2 / subject 1, CPU time at 100
// concurrent): the gateway with tracing off against the gateway before telemetry.
import { execFileSync } from 'node:child_process';
import { arch, cpus, loadavg, platform, release } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { Registry } from 'prom-client';
import { bulkhead, createLocalBreaker, retry, timeout, wrap, type Breaker, type Policy } from '@breakwater/resilience';
import { activeTraceparent, ResilienceMetrics, observeWith, ResilienceTracing, tracedCalls, type PolicyObserver } from '@breakwater/telemetry';
import { createPolicyTelemetry } from '../apps/payment-api/src/telemetry/policy-telemetry';
import { concurrentCostPerCall, fmt, median, sequentialNsPerCall, table } from './bench-support';

const CALLS_PER_ROUND = 10_000;
const CONCURRENCY = 100;
const WARMUP_PASSES = 2;
const ROUNDS = 21;

const protectedCall = async (): Promise<number> => 1;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Takes every batch and keeps nothing: the cost measured is making and batching spans, not shipping them. */
class DroppingExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    this.exported += spans.length;
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Subject {
  name: string;
  call: () => Promise<unknown>;
  /** Set up around this subject's timed runs only (outside the clock). */
  enter?: () => void;
  leave?: () => void;
}

/**
 * The gateway's chain for one downstream, its policies bound to `observer` when there is one.
 * Without the timeout (`withTimeout` false) the chain has no timer: its few microseconds of
 * setTimeout, and their noise, would hide a cost of a few hundred ns.
 */
function gatewayChain(name: string, observer?: PolicyObserver, withTimeout = true): { chain: Policy; breaker: Breaker } {
  const breaker = createLocalBreaker(name, {});
  const retrying = retry(name, { maxAttempts: 3, baseMs: 100 });
  const limiting = bulkhead(name, { maxConcurrent: 200, maxQueue: 0 });
  const timing = timeout(name, 1_000);
  // Bound for the whole run, as the gateway binds them for its life: nothing to dispose.
  if (observer !== undefined) {
    observer.breaker(breaker);
    observer.retry(retrying);
    observer.bulkhead(limiting);
    observer.timeout(timing);
  }
  return { chain: withTimeout ? wrap(retrying, breaker, limiting, timing) : wrap(retrying, breaker, limiting), breaker };
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Result {
  sequential: number[];
  concurrent: number[];
  /** CPU time per call at 100 concurrent: what the comparisons use (see the header). */
  cpu: number[];
}

async function measure(subjects: readonly Subject[]): Promise<Result[]> {
  const results: Result[] = subjects.map(() => ({ sequential: [], concurrent: [], cpu: [] }));
  for (let pass = 0; pass < WARMUP_PASSES + ROUNDS; pass++) {
    for (let k = 0; k < subjects.length; k++) {
      const i = (k + pass) % subjects.length;
      const s = subjects[i];
      s.enter?.();
      collectGarbage();
      const seq = await sequentialNsPerCall(s.call, CALLS_PER_ROUND);
      await yieldToEventLoop();
      collectGarbage();
      const conc = await concurrentCostPerCall(s.call, CALLS_PER_ROUND, CONCURRENCY);
      await yieldToEventLoop();
      s.leave?.();
      if (pass >= WARMUP_PASSES) {
        results[i].sequential.push(seq);
        results[i].concurrent.push(conc.wallNs);
        results[i].cpu.push(conc.cpuNs);
      }
    }
    process.stdout.write(pass < WARMUP_PASSES ? 'w' : '.');
  }
  process.stdout.write('\n');
  return results;
}

const signed = (n: number): string => `${n >= 0 ? '+' : '-'}${fmt(Math.abs(n))}`;

const uptime = (): string => {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
  }
};

async function main(): Promise<void> {
  const startedAt = performance.now();
  console.log('Breakwater telemetry cost benchmark');
  console.log(`node ${process.version}, ${platform()} ${release()} ${arch()}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}`);
  console.log(`uptime at start: ${uptime()}`);
  console.log('chain = wrap(retry, breaker, bulkhead, timeout), local breaker; timeout 1,000 ms, bulkhead 200/queue 0, retry 3 attempts');
  console.log(`${WARMUP_PASSES} warm-up passes + ${ROUNDS} rounds x ${fmt(CALLS_PER_ROUND)} calls per subject and mode; median round reported`);
  console.log('');

  const plain = gatewayChain('plain');

  const off = createPolicyTelemetry(new Registry(), false);
  const metricsOnly = gatewayChain('metrics', off.observer);
  const plainUntimed = gatewayChain('plain-untimed', undefined, false);
  const metricsUntimed = gatewayChain('metrics-untimed', createPolicyTelemetry(new Registry(), false).observer, false);

  const noop = gatewayChain('noop-api', observeWith(new ResilienceMetrics(new Registry()), new ResilienceTracing()));
  const noopTraced = tracedCalls({ downstream: 'noop-api', chain: noop.chain, breaker: noop.breaker });

  const exporter = new DroppingExporter();
  const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: 100_000, maxExportBatchSize: 2_048, scheduledDelayMillis: 50 })] });
  const tracer = provider.getTracer('@breakwater/telemetry');
  const contextManager = new AsyncLocalStorageContextManager();
  const on = createPolicyTelemetry(new Registry(), true);
  const traced = gatewayChain('traced', on.observer);
  const tracedChain = tracedCalls({ downstream: 'traced', chain: traced.chain, breaker: traced.breaker, tracer });

  const subjects: Subject[] = [
    { name: '1. chain, no telemetry (before issue 8)', call: () => plain.chain.execute(protectedCall) },
    { name: '2. chain, tracing off (gateway: metrics listeners only)', call: () => metricsOnly.chain.execute(protectedCall) },
    { name: '3. chain, metrics + span wrapper, no SDK (API no-ops)', call: () => noopTraced.execute(protectedCall) },
    {
      name: '4. chain, tracing on (SDK, batch, dropping exporter)',
      call: () => tracedChain.execute(protectedCall),
      enter: () => context.setGlobalContextManager(contextManager.enable()),
      leave: () => {
        contextManager.disable();
        context.disable();
      },
    },
    { name: '5. chain without timeout, no telemetry', call: () => plainUntimed.chain.execute(protectedCall) },
    { name: '6. chain without timeout, tracing off (metrics only)', call: () => metricsUntimed.chain.execute(protectedCall) },
    { name: '7. activeTraceparent(), tracing off', call: async () => activeTraceparent() },
  ];
  for (const s of subjects.slice(0, 6)) {
    s.enter?.();
    const value = await s.call();
    s.leave?.();
    if (value !== 1) throw new Error(`${s.name} returned ${String(value)}, not 1`);
  }
  if ((await subjects[6].call()) !== undefined) throw new Error('activeTraceparent() found a span with no SDK registered');
  if (trace.getActiveSpan() !== undefined) throw new Error('a span is active outside the tracing-on subject');

  const results = await measure(subjects);
  await provider.forceFlush();
  const exported = exporter.exported;
  await provider.shutdown();

  const rows = results.map((r, i) => ({ name: subjects[i].name, seq: median(r.sequential), conc: median(r.concurrent), cpu: median(r.cpu), min: Math.min(...r.cpu), max: Math.max(...r.cpu) }));
  const [before, tracingOff, noopApi, tracingOn, untimedBefore, untimedOff, traceparent] = rows;
  // Each row is compared with the one without what it adds: 2, 3, 4 with the chain before telemetry; 6 with 5.
  const baseOf = [undefined, 0, 0, 0, undefined, 4, undefined];
  console.log('');
  console.log(`ns per call (median of ${ROUNDS} rounds); CPU = the process's user + system time`);
  console.log(
    table(
      ['subject', 'sequential, wall', `${CONCURRENCY} conc., wall`, `${CONCURRENCY} conc., CPU`, 'CPU min..max', 'CPU vs its base'],
      rows.map((r, i) => {
        const base = baseOf[i];
        return [r.name, fmt(r.seq), fmt(r.conc), fmt(r.cpu), `${fmt(r.min)}..${fmt(r.max)}`, base === undefined ? '-' : `${(r.cpu / rows[base].cpu).toFixed(2)}x (vs ${base + 1})`];
      }),
    ),
  );
  console.log('');
  for (const [i, r] of results.entries()) console.log(`  ${subjects[i].name}, CPU ns per call at ${CONCURRENCY} concurrent, each round: ${r.cpu.map((x) => fmt(x)).join(' ')}`);
  // Round by round, paired: the rounds share the machine's moment, so their differences say more than two medians.
  const paired = (a: number, b: number): number[] => results[a].cpu.map((x, k) => x - results[b].cpu[k]);
  const spread = (d: number[]): string => `median ${signed(median(d))} ns, min..max ${signed(Math.min(...d))}..${signed(Math.max(...d))} ns`;
  console.log('');
  console.log(`  metrics listeners (2 - 1), CPU, paired rounds: ${spread(paired(1, 0))}`);
  console.log(`  metrics listeners without the timer (6 - 5), CPU, paired rounds: ${spread(paired(5, 4))}`);
  console.log(`  span wrapper with no SDK (3 - 2), CPU, paired rounds: ${spread(paired(2, 1))}`);
  console.log(`  tracing on (4 - 2), CPU, paired rounds: ${spread(paired(3, 1))}`);
  console.log(`  spans exported by the tracing-on subject: ${fmt(exported)}`);
  console.log('');
  console.log(`uptime at end: ${uptime()}`);
  console.log(`total run ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  console.log(
    `CPU medians: metrics listeners ${signed(tracingOff.cpu - before.cpu)} ns per call (${signed(untimedOff.cpu - untimedBefore.cpu)} without the timer); no-op span wrapper ${signed(noopApi.cpu - tracingOff.cpu)} ns; ` +
      `tracing on ${signed(tracingOn.cpu - tracingOff.cpu)} ns; activeTraceparent() off ${fmt(traceparent.cpu)} ns`,
  );
  console.log(`tracing-off ratio: ${(tracingOff.cpu / before.cpu).toFixed(2)}`);
}

// No process.exit on success: nothing is left open, so the process ends on its own.
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
