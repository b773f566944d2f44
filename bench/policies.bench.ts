// Policy chain benchmark: `npm run bench:policies` (tsx bench/policies.bench.ts).
//
// Success path only: the protected call is `async () => 1`, every policy lets it through. ns per
// call, sequential (one call awaited at a time) and 100 concurrent (Promise.all batches of 100), for
//   - a bare call (reference);
//   - the composed chain wrap(retry, breaker, bulkhead, timeout), outermost first:
//     Breakwater with a local breaker, Breakwater with a fleet breaker (Redis up, fleet mode),
//     cockatiel 3.2.1 with equivalent settings (Aggressive timeout: like Breakwater's, it rejects at
//     the deadline without waiting for the call);
//   - each policy alone, Breakwater next to cockatiel: timeout, bulkhead, retry, breaker.
// Warm-up passes, then ROUNDS rounds (subjects interleaved, order rotated, a full GC before each
// timed run); the median round is reported.
//
// Settings (both libraries): timeout 1,000 ms; bulkhead 200 running, queue 0 (room for the 100
// concurrent calls); retry 3 attempts in all (Breakwater maxAttempts 3 = cockatiel maxAttempts 2,
// which counts retries), exponential backoff from 100 ms; breaker: Breakwater default config,
// cockatiel ConsecutiveBreaker(5) with halfOpenAfter 10 s.
//
// The last line printed is `chain-vs-cockatiel ratio: X.XX` (Breakwater local chain / cockatiel
// chain ns per call, 100 concurrent).
import { randomUUID } from 'node:crypto';
import { arch, cpus, loadavg, platform, release } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  bulkhead as cBulkhead,
  circuitBreaker as cCircuitBreaker,
  handleAll,
  retry as cRetry,
  timeout as cTimeout,
  wrap as cWrap,
} from 'cockatiel';
import { BreakerState, bulkhead, createLocalBreaker, retry, timeout, wrap, type Policy } from '@breakwater/resilience';
import { createFleetBreakers, type FleetBreakers } from '@breakwater/redis-store';
import { concurrentNsPerCall, connect, deleteKeys, fmt, median, sequentialNsPerCall, sleep, table } from './bench-support';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN_ID = randomUUID().slice(0, 8);
const KEY_PREFIX = `bench:policies:${RUN_ID}:`;

const CALLS_PER_ROUND = 20_000;
const CONCURRENCY = 100;
const WARMUP_PASSES = 2;
const ROUNDS = 9;

const TIMEOUT_MS = 1_000;
const BULKHEAD_LIMIT = 200;
const BULKHEAD_QUEUE = 0;
const ATTEMPTS = 3; // in all, the first included
const BACKOFF_BASE_MS = 100;
const CONSECUTIVE_FAILURES = 5;
const HALF_OPEN_AFTER_MS = 10_000;

const protectedCall = async (): Promise<number> => 1;

// A full GC before each measured run, so one subject's garbage is not collected on another's clock.
// (`npm run bench:policies` runs plain tsx, without --expose-gc.)
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

// Process warnings (MaxListenersExceededWarning from abort listeners piling up on one shared
// signal) are printed by Node as usual; this keeps where each came from for the summary.
const warnings: string[] = [];
process.on('warning', (warning) => {
  const frame = warning.stack?.split('\n').find((l) => /libs\/|node_modules\/cockatiel/.test(l));
  warnings.push(`${warning.name}: ${warning.message.split('.')[0]}; first library frame: ${frame?.trim().replace(/\(.*?(libs\/|node_modules\/)/, '($1') ?? 'none'}`);
});

interface Subject {
  name: string;
  /** Row of the table this subject is compared with (cockatiel's counterpart), if any. */
  versus?: string;
  call: () => Promise<unknown>;
}

interface Result {
  name: string;
  sequential: number[];
  concurrent: number[];
}

/**
 * `async () => 1` settles in microtasks, so a timed run never gives timers a turn. Between runs
 * (outside the clock) the event loop gets one: the fleet breaker flushes its outcomes to Redis and
 * answers its sync as it would in a service, instead of only after the whole measurement.
 */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function measure(subjects: readonly Subject[]): Promise<Result[]> {
  const results: Result[] = subjects.map((s) => ({ name: s.name, sequential: [], concurrent: [] }));
  for (let pass = 0; pass < WARMUP_PASSES + ROUNDS; pass++) {
    for (let k = 0; k < subjects.length; k++) {
      const i = (k + pass) % subjects.length; // rotate the order so no subject always runs first
      collectGarbage();
      const seq = await sequentialNsPerCall(subjects[i].call, CALLS_PER_ROUND);
      await yieldToEventLoop();
      collectGarbage();
      const conc = await concurrentNsPerCall(subjects[i].call, CALLS_PER_ROUND, CONCURRENCY);
      await yieldToEventLoop();
      if (pass >= WARMUP_PASSES) {
        results[i].sequential.push(seq);
        results[i].concurrent.push(conc);
      }
    }
    process.stdout.write(pass < WARMUP_PASSES ? 'w' : '.');
  }
  process.stdout.write('\n');
  return results;
}

/** Resolves once the fleet decides with Redis (not locally). */
async function fleetReady(fleet: FleetBreakers): Promise<void> {
  await fleet.ready();
  const deadline = performance.now() + 5_000;
  while (fleet.mode !== 'fleet') {
    if (performance.now() > deadline) throw new Error('timed out after 5000 ms waiting for the fleet to reach Redis');
    await sleep(1);
  }
}

// Policies of each library, built once per subject so that no two subjects share state.
const bw = {
  timeout: (): Policy => timeout('psp', TIMEOUT_MS),
  bulkhead: (): Policy => bulkhead('psp', { maxConcurrent: BULKHEAD_LIMIT, maxQueue: BULKHEAD_QUEUE }),
  retry: (): Policy => retry('psp', { maxAttempts: ATTEMPTS, baseMs: BACKOFF_BASE_MS }),
  breaker: (): Policy => createLocalBreaker('psp-local', {}),
};
const ck = {
  timeout: (strategy: TimeoutStrategy) => cTimeout(TIMEOUT_MS, strategy),
  bulkhead: () => cBulkhead(BULKHEAD_LIMIT, BULKHEAD_QUEUE),
  retry: () => cRetry(handleAll, { maxAttempts: ATTEMPTS - 1, backoff: new ExponentialBackoff({ initialDelay: BACKOFF_BASE_MS }) }),
  breaker: () => cCircuitBreaker(handleAll, { halfOpenAfter: HALF_OPEN_AFTER_MS, breaker: new ConsecutiveBreaker(CONSECUTIVE_FAILURES) }),
};

const BW_LOCAL_CHAIN = 'Breakwater chain, local breaker';
const BW_FLEET_CHAIN = 'Breakwater chain, fleet breaker';
const CK_CHAIN = 'cockatiel chain (Aggressive timeout)';

async function main(): Promise<void> {
  const startedAt = performance.now();
  console.log('Breakwater policy chain benchmark');
  console.log(`node ${process.version}, ${platform()} ${release()} ${arch()}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}`);
  console.log(`redis ${REDIS_URL}, key prefix ${KEY_PREFIX}; load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(
    `chain = wrap(retry, breaker, bulkhead, timeout); timeout ${fmt(TIMEOUT_MS)} ms, bulkhead ${BULKHEAD_LIMIT}/queue ${BULKHEAD_QUEUE}, ` +
      `retry ${ATTEMPTS} attempts, breaker Breakwater default / cockatiel ConsecutiveBreaker(${CONSECUTIVE_FAILURES})`,
  );
  console.log(`${WARMUP_PASSES} warm-up passes + ${ROUNDS} rounds x ${fmt(CALLS_PER_ROUND)} calls per subject and mode; median round reported`);
  console.log('');

  const redis = await connect(REDIS_URL);
  const fleet = createFleetBreakers({ redis, instanceId: `bench-policies-${RUN_ID}`, keyPrefix: KEY_PREFIX });
  let results: Result[];
  let fleetHealthy: boolean;
  const subjects: Subject[] = [];
  try {
    const fleetBreaker = fleet.get('psp-fleet', {});
    await fleetReady(fleet);

    const bwLocalChain = wrap(bw.retry(), bw.breaker(), bw.bulkhead(), bw.timeout());
    const bwFleetChain = wrap(bw.retry(), fleetBreaker, bw.bulkhead(), bw.timeout());
    const ckChain = cWrap(ck.retry(), ck.breaker(), ck.bulkhead(), ck.timeout(TimeoutStrategy.Aggressive));
    const bwTimeout = bw.timeout();
    const ckTimeout = ck.timeout(TimeoutStrategy.Aggressive);
    const ckCoopTimeout = ck.timeout(TimeoutStrategy.Cooperative);
    const bwBulkhead = bw.bulkhead();
    const ckBulkhead = ck.bulkhead();
    const bwRetry = bw.retry();
    const ckRetry = ck.retry();
    const bwBreaker = bw.breaker();
    const ckBreaker = ck.breaker();

    subjects.push(
      { name: 'bare async call', call: protectedCall },
      { name: BW_LOCAL_CHAIN, versus: CK_CHAIN, call: () => bwLocalChain.execute(protectedCall) },
      { name: BW_FLEET_CHAIN, versus: CK_CHAIN, call: () => bwFleetChain.execute(protectedCall) },
      { name: CK_CHAIN, call: () => ckChain.execute(protectedCall) },
      { name: 'Breakwater timeout', versus: 'cockatiel timeout (Aggressive)', call: () => bwTimeout.execute(protectedCall) },
      { name: 'cockatiel timeout (Aggressive)', call: () => ckTimeout.execute(protectedCall) },
      { name: 'cockatiel timeout (Cooperative)', call: () => ckCoopTimeout.execute(protectedCall) },
      { name: 'Breakwater bulkhead', versus: 'cockatiel bulkhead', call: () => bwBulkhead.execute(protectedCall) },
      { name: 'cockatiel bulkhead', call: () => ckBulkhead.execute(protectedCall) },
      { name: 'Breakwater retry', versus: 'cockatiel retry', call: () => bwRetry.execute(protectedCall) },
      { name: 'cockatiel retry', call: () => ckRetry.execute(protectedCall) },
      { name: 'Breakwater local breaker', versus: 'cockatiel breaker', call: () => bwBreaker.execute(protectedCall) },
      { name: 'cockatiel breaker', call: () => ckBreaker.execute(protectedCall) },
    );

    // Every subject must actually run the call and hand back its value.
    for (const s of subjects) {
      const value = await s.call();
      if (value !== 1) throw new Error(`${s.name} returned ${String(value)}, not 1`);
    }

    results = await measure(subjects);
    await sleep(200); // a last flush and sync, so the check below sees what Redis answered
    fleetHealthy = fleetBreaker.state === BreakerState.CLOSED && fleet.mode === 'fleet';
  } finally {
    await fleet.close();
    redis.disconnect();
  }
  const deleted = await deleteKeys(KEY_PREFIX, REDIS_URL);

  const rows = results.map((r) => ({ name: r.name, seq: median(r.sequential), conc: median(r.concurrent), min: Math.min(...r.concurrent), max: Math.max(...r.concurrent) }));
  const byName = new Map(rows.map((r) => [r.name, r]));
  const bare = rows[0];
  console.log('');
  console.log(`ns per call (median of ${ROUNDS} rounds)`);
  console.log(
    table(
      ['subject', 'sequential', `${CONCURRENCY} concurrent`, 'conc. min..max', 'conc. overhead vs bare', 'conc. vs cockatiel'],
      rows.map((r, i) => {
        const counterpart = subjects[i].versus === undefined ? undefined : byName.get(subjects[i].versus!);
        return [
          r.name,
          fmt(r.seq),
          fmt(r.conc),
          `${fmt(r.min)}..${fmt(r.max)}`,
          i === 0 ? '-' : `+${fmt(r.conc - bare.conc)}`,
          counterpart === undefined ? '-' : `${(r.conc / counterpart.conc).toFixed(2)}x`,
        ];
      }),
    ),
  );
  console.log('');
  for (const name of [BW_LOCAL_CHAIN, BW_FLEET_CHAIN, CK_CHAIN]) {
    const r = results.find((x) => x.name === name)!;
    console.log(`  ${name}, ${CONCURRENCY} concurrent, each round: ${r.concurrent.map((x) => fmt(x)).join(' ')}`);
  }
  // Where the chain's cost goes: the sum of the policies alone (each minus the bare call) next to the chain.
  const alone = (names: string[]): number => names.reduce((acc, n) => acc + byName.get(n)!.conc - bare.conc, 0);
  const bwParts = alone(['Breakwater timeout', 'Breakwater bulkhead', 'Breakwater retry', 'Breakwater local breaker']);
  const ckParts = alone(['cockatiel timeout (Aggressive)', 'cockatiel bulkhead', 'cockatiel retry', 'cockatiel breaker']);
  console.log(
    `  sum of the four policies alone (overhead over bare, ${CONCURRENCY} concurrent): Breakwater +${fmt(bwParts)} (chain +${fmt(byName.get(BW_LOCAL_CHAIN)!.conc - bare.conc)}), ` +
      `cockatiel +${fmt(ckParts)} (chain +${fmt(byName.get(CK_CHAIN)!.conc - bare.conc)})`,
  );
  if (!fleetHealthy) console.log('WARNING: the fleet breaker left fleet mode or CLOSED during the run');
  for (const w of warnings) console.log(`  process warning during the run: ${w}`);
  console.log('');

  const ratio = byName.get(BW_LOCAL_CHAIN)!.conc / byName.get(CK_CHAIN)!.conc;
  const fleetRatio = byName.get(BW_FLEET_CHAIN)!.conc / byName.get(CK_CHAIN)!.conc;
  console.log('Target');
  console.log(`  Breakwater local chain <= 2x cockatiel chain (${CONCURRENCY} concurrent): ${ratio.toFixed(2)}x -> ${ratio <= 2 ? 'MET' : 'NOT MET'} (fleet chain ${fleetRatio.toFixed(2)}x)`);
  console.log(`load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`cleanup: deleted ${deleted} keys under ${KEY_PREFIX}; total run ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  console.log(`chain-vs-cockatiel ratio: ${ratio.toFixed(2)}`);
}

// No process.exit on success: everything is closed, so the process ends on its own.
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
