// Circuit breaker benchmark: `npm run bench:breaker` (tsx bench/breaker.bench.ts).
//
// 1. Hot path, CLOSED breaker, protected call `async () => 1`: ns per call for a bare call,
//    opossum (default options), cockatiel, Breakwater local and Breakwater fleet (Redis up),
//    sequential (one call awaited at a time) and 100 concurrent (Promise.all batches of 100).
//    Warm-up passes, then ROUNDS rounds (subjects interleaved, order rotated); the median is reported.
// 2. Redis commands per second sent by one fleet instance at paced call rates of 1k, 10k and 50k/s,
//    counted on a private redis-server (INFO commandstats deltas) and on the client connection.
// 3. Trip propagation: 10 fleet instances (own connections each) over one Redis; time from the
//    first instance seeing OPEN (the tripping flush's reply) until all 10 are OPEN. p50 / p99.
//
// The last line printed is `fleet-vs-opossum ratio: X.XX` (fleet / opossum ns per call, 100 concurrent).
import { createHash, randomUUID } from 'node:crypto';
import { arch, cpus, loadavg, platform, release } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type Redis from 'ioredis';
import CircuitBreaker from 'opossum';
import { ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import { BreakerOpenError, BreakerState, createLocalBreaker, type Breaker } from '@breakwater/resilience';
import { createFleetBreakers, readScript, type FleetBreaker, type FleetBreakers } from '@breakwater/redis-store';
import { startRedisServer, type RedisServerHandle } from '../test/support/redis-server';
import { commandStats, concurrentNsPerCall, connect, deleteKeys, fmt, median, percentile, sequentialNsPerCall, sleep, statsDelta, sum, table, watchCommands } from './bench-support';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN_ID = randomUUID().slice(0, 8);
const KEY_PREFIX = `bench:breaker:${RUN_ID}:`;

const CALLS_PER_ROUND = 60_000;
const CONCURRENCY = 100;
const WARMUP_PASSES = 2;
const ROUNDS = 15;

const RATES = [1_000, 10_000, 50_000];
const RATE_WARMUP_MS = 500;
const RATE_MEASURE_MS = 3_000;

const FLEET_INSTANCES = 10;
const TRIP_TRIALS = 50;
const FAILURES_PER_INSTANCE = 3; // 30 failures in all; the window trips at minimumCalls (20)

const protectedCall = async (): Promise<number> => 1;
const BOOM = new Error('downstream failed');
const failingCall = async (): Promise<number> => {
  throw BOOM;
};
const ignore = (): void => undefined;

// A full GC before each measured run, so one subject's garbage is not collected on another's clock.
// (`npm run bench:breaker` runs plain tsx, without --expose-gc.)
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

type Subject = { name: string; call: () => Promise<unknown> };

// ---------------------------------------------------------------------------------------------
// 1. Hot path

interface HotPathResult {
  name: string;
  sequential: number[];
  concurrent: number[];
}

async function hotPath(subjects: readonly Subject[]): Promise<HotPathResult[]> {
  const results: HotPathResult[] = subjects.map((s) => ({ name: s.name, sequential: [], concurrent: [] }));
  for (let pass = 0; pass < WARMUP_PASSES + ROUNDS; pass++) {
    for (let k = 0; k < subjects.length; k++) {
      const i = (k + pass) % subjects.length; // rotate the order so no subject always runs first
      collectGarbage();
      const seq = await sequentialNsPerCall(subjects[i].call, CALLS_PER_ROUND);
      collectGarbage();
      const conc = await concurrentNsPerCall(subjects[i].call, CALLS_PER_ROUND, CONCURRENCY);
      if (pass >= WARMUP_PASSES) {
        results[i].sequential.push(seq);
        results[i].concurrent.push(conc);
      }
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// 2. Redis commands per call rate

interface PacedResult {
  issued: number;
  completed: number;
  elapsedMs: number;
}

/** Issues calls at `rate` per second (setImmediate-paced), without waiting for earlier ones. */
function drivePaced(breaker: Breaker, rate: number, durationMs: number): Promise<PacedResult> {
  return new Promise((resolve) => {
    let issued = 0;
    let completed = 0;
    const done = (): void => {
      completed++;
    };
    const start = performance.now();
    const step = (): void => {
      const elapsed = performance.now() - start;
      if (elapsed >= durationMs) {
        resolve({ issued, completed, elapsedMs: elapsed });
        return;
      }
      const due = Math.min(Math.floor((rate * elapsed) / 1000) - issued, rate / 100);
      for (let i = 0; i < due; i++) {
        issued++;
        breaker.execute(protectedCall).then(done, done);
      }
      setImmediate(step);
    };
    setImmediate(step);
  });
}

interface RateRow {
  target: number;
  achieved: number;
  clientSent: number;
  clientByName: Map<string, number>;
  serverScripts: number;
  serverAll: number;
  serverByName: Map<string, number>;
  seconds: number;
}

async function commandsPerRate(): Promise<RateRow[]> {
  const server: RedisServerHandle = await startRedisServer();
  const redis = await connect(server.url);
  const stats = await connect(server.url, { commandTimeout: 5_000 });
  const sent = watchCommands(redis);
  const fleet = createFleetBreakers({ redis, instanceId: 'bench-rate', keyPrefix: KEY_PREFIX });
  const rows: RateRow[] = [];
  try {
    const breaker = fleet.get('psp-rate', {});
    await fleetReady(fleet);
    for (const rate of RATES) {
      await drivePaced(breaker, rate, RATE_WARMUP_MS);
      const clientBefore = new Map(sent);
      const before = await commandStats(stats);
      const t0 = performance.now();
      const run = await drivePaced(breaker, rate, RATE_MEASURE_MS);
      const after = await commandStats(stats);
      const seconds = (performance.now() - t0) / 1000;
      const server = statsDelta(before, after);
      server.delete('info');
      const client = statsDelta(clientBefore, sent);
      rows.push({
        target: rate,
        achieved: run.completed / (run.elapsedMs / 1000),
        clientSent: sum(client) / seconds,
        clientByName: client,
        serverScripts: sum(server, (n) => n === 'evalsha' || n === 'eval') / seconds,
        serverAll: sum(server) / seconds,
        serverByName: server,
        seconds,
      });
      if (breaker.state !== BreakerState.CLOSED || fleet.mode !== 'fleet') throw new Error(`rate run at ${rate}/s left the breaker ${breaker.state} in ${fleet.mode} mode`);
    }
  } finally {
    await fleet.close();
    redis.disconnect();
    stats.disconnect();
    await server.cleanup();
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// 3. Trip propagation

interface TripTrial {
  /** First instance whose onStateChange reported OPEN (the crossing flush's reply, or its pub/sub message). */
  firstOpen: number;
  /** The last of the 10 instances to report OPEN. */
  allOpen: number;
  /** When the tripping record-outcomes script was sent, and when its reply (state OPEN) arrived. */
  tripSent: number;
  tripReplied: number;
}

interface TripResult {
  trials: TripTrial[];
  rejectedAll: boolean;
  /** Some instance lost Redis (command timeout) during the trials: its numbers would be suspect. */
  localModeEntered: boolean;
}

/** Resolves once the fleet decides with Redis (not locally). */
async function fleetReady(fleet: FleetBreakers): Promise<void> {
  await fleet.ready();
  await waitUntil(() => fleet.mode === 'fleet', 5_000, 'the fleet to reach Redis');
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(1);
  }
}

async function tripPropagation(): Promise<TripResult> {
  // ioredis sends a script's first call on a connection as EVAL (the source), later ones as EVALSHA.
  const recordLua = readScript('record-outcomes-4.lua');
  const recordSha = createHash('sha1').update(recordLua).digest('hex');
  const connections: Redis[] = [];
  const fleets: FleetBreakers[] = [];
  const breakers: FleetBreaker[] = [];
  let localModeEntered = false;
  let current: { openAt: (number | undefined)[]; tripSent?: number; tripReplied?: number } | undefined;

  for (let i = 0; i < FLEET_INSTANCES; i++) {
    const redis = await connect(REDIS_URL);
    watchCommands(redis, (cmd) => {
      if (!(cmd.name === 'evalsha' && cmd.args[0] === recordSha) && !(cmd.name === 'eval' && cmd.args[0] === recordLua)) return;
      const trial = current;
      void cmd.reply.then((reply) => {
        if (trial === undefined || trial.tripSent !== undefined || !Array.isArray(reply)) return;
        if (Number(reply[0]) === 1 && reply[1] === BreakerState.OPEN) {
          trial.tripSent = cmd.sentAt;
          trial.tripReplied = performance.now();
        }
      });
    });
    connections.push(redis);
    const fleet = createFleetBreakers({ redis, instanceId: `bench-${i}`, keyPrefix: `${KEY_PREFIX}trip:` });
    fleets.push(fleet);
    const breaker = fleet.get('psp-authorize', { minimumCalls: 20, failureRateThreshold: 0.5 });
    breaker.onStateChange((change) => {
      if (current !== undefined && change.to === BreakerState.OPEN && current.openAt[i] === undefined) current.openAt[i] = performance.now();
    });
    fleet.onModeChange((m) => {
      if (m.mode === 'local') localModeEntered = true;
    });
    breakers.push(breaker);
  }

  const trials: TripTrial[] = [];
  let rejectedAll = true;
  try {
    await Promise.all(fleets.map(fleetReady));
    for (let t = 0; t < TRIP_TRIALS; t++) {
      await breakers[0].reset();
      const version = breakers[0].snapshot().version;
      await waitUntil(() => breakers.every((b) => b.state === BreakerState.CLOSED && b.snapshot().version === version), 2_000, 'every instance to see the reset');
      await sleep(5);
      const trial: NonNullable<typeof current> = { openAt: new Array<number | undefined>(FLEET_INSTANCES).fill(undefined) };
      current = trial;
      for (const b of breakers) for (let k = 0; k < FAILURES_PER_INSTANCE; k++) b.execute(failingCall).catch(ignore);
      await waitUntil(() => trial.openAt.every((x) => x !== undefined) && trial.tripSent !== undefined, 3_000, 'every instance to see OPEN');
      current = undefined;
      const openAt = trial.openAt as number[];
      trials.push({ firstOpen: Math.min(...openAt), allOpen: Math.max(...openAt), tripSent: trial.tripSent!, tripReplied: trial.tripReplied! });
      // Every instance rejects now, without calling the protected function.
      const rejected = await Promise.all(breakers.map((b) => b.execute(protectedCall).then(() => false, (e: unknown) => e instanceof BreakerOpenError)));
      if (!rejected.every(Boolean)) rejectedAll = false;
    }
    await breakers[0].reset();
  } finally {
    current = undefined;
    await Promise.all(fleets.map((f) => f.close()));
    for (const r of connections) r.disconnect();
  }
  return { trials, rejectedAll, localModeEntered };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const startedAt = performance.now();
  console.log('Breakwater circuit breaker benchmark');
  console.log(`node ${process.version}, ${platform()} ${release()} ${arch()}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}`);
  console.log(`redis ${REDIS_URL}, key prefix ${KEY_PREFIX}; load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('');

  // --- 1. hot path ---
  const opossum = new CircuitBreaker(protectedCall); // default options
  const cockatiel = circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });
  const local = createLocalBreaker('psp-local');
  const hotRedis = await connect(REDIS_URL);
  const hotFleet = createFleetBreakers({ redis: hotRedis, instanceId: 'bench-hot', keyPrefix: `${KEY_PREFIX}hot:` });
  let hot: HotPathResult[];
  let fleetHealthy: boolean;
  try {
    const fleetBreaker = hotFleet.get('psp-fleet', {});
    await fleetReady(hotFleet);
    if (fleetBreaker.mode !== 'fleet') throw new Error(`fleet breaker is in ${fleetBreaker.mode} mode: is Redis up at ${REDIS_URL}?`);
    const subjects: Subject[] = [
      { name: 'bare async call', call: protectedCall },
      { name: 'opossum 9.0.0 (default options)', call: () => opossum.fire() },
      { name: 'cockatiel 3.2.1 (ConsecutiveBreaker(5))', call: () => cockatiel.execute(protectedCall) },
      { name: 'Breakwater local', call: () => local.execute(protectedCall) },
      { name: 'Breakwater fleet (CLOSED, Redis up)', call: () => fleetBreaker.execute(protectedCall) },
    ];
    console.log(`[1/3] hot path: ${WARMUP_PASSES} warm-up passes + ${ROUNDS} rounds x ${fmt(CALLS_PER_ROUND)} calls per subject and mode ...`);
    hot = await hotPath(subjects);
    fleetHealthy = hotFleet.mode === 'fleet' && fleetBreaker.state === BreakerState.CLOSED;
  } finally {
    opossum.shutdown();
    local.dispose();
    await hotFleet.close();
    hotRedis.disconnect();
  }
  const med = hot.map((r) => ({ name: r.name, seq: median(r.sequential), conc: median(r.concurrent), concMin: Math.min(...r.concurrent), concMax: Math.max(...r.concurrent) }));
  const bare = med[0];
  const opo = med[1];
  const fleetRow = med[4];
  console.log('');
  console.log(`Hot path, ns per call (median of ${ROUNDS} rounds; protected call: async () => 1)`);
  console.log(
    table(
      ['subject', 'sequential', `${CONCURRENCY} concurrent`, 'conc. min..max', 'conc. overhead vs bare', 'conc. vs opossum'],
      med.map((r) => [r.name, fmt(r.seq), fmt(r.conc), `${fmt(r.concMin)}..${fmt(r.concMax)}`, r === bare ? '-' : `+${fmt(r.conc - bare.conc)}`, `${(r.conc / opo.conc).toFixed(2)}x`]),
    ),
  );
  for (const i of [1, 4]) console.log(`  ${hot[i].name}, ${CONCURRENCY} concurrent, each round: ${hot[i].concurrent.map((x) => fmt(x)).join(' ')}`);
  if (!fleetHealthy) console.log('WARNING: the fleet breaker left fleet mode or CLOSED during the hot path run');
  console.log('');

  // --- 2. Redis commands per call rate ---
  console.log(`[2/3] Redis commands per instance: ${RATES.map((r) => `${fmt(r)}/s`).join(', ')}, ${RATE_MEASURE_MS / 1000} s each on a private redis-server ...`);
  const rates = await commandsPerRate();
  console.log('');
  console.log('Redis commands per second, one fleet instance, one breaker (flushIntervalMs 50, syncIntervalMs 1000)');
  console.log(
    table(
      ['target calls/s', 'achieved calls/s', 'sent by client /s', 'server EVALSHA+EVAL /s', 'server all incl. inside Lua /s', 'client commands'],
      rates.map((r) => [
        fmt(r.target),
        fmt(r.achieved),
        r.clientSent.toFixed(1),
        r.serverScripts.toFixed(1),
        r.serverAll.toFixed(1),
        [...r.clientByName].map(([n, c]) => `${n}=${c}`).join(' '),
      ]),
    ),
  );
  const serverNames = new Set(rates.flatMap((r) => [...r.serverByName.keys()]));
  console.log(`server-side commands seen (per s at ${rates.map((r) => fmt(r.target)).join(' / ')}): ${[...serverNames].sort().map((n) => `${n} ${rates.map((r) => ((r.serverByName.get(n) ?? 0) / r.seconds).toFixed(1)).join('/')}`).join(', ')}`);
  console.log('');

  // --- 3. Trip propagation ---
  console.log(`[3/3] trip propagation: ${FLEET_INSTANCES} fleet instances, ${TRIP_TRIALS} trials ...`);
  const trip = await tripPropagation();
  const fromFirst = trip.trials.map((t) => t.allOpen - t.firstOpen);
  const fromReply = trip.trials.map((t) => t.allOpen - t.tripReplied);
  const fromSent = trip.trials.map((t) => t.allOpen - t.tripSent);
  console.log('');
  console.log(`Trip propagation, ms until all ${FLEET_INSTANCES} instances are OPEN (${trip.trials.length} trials; p99 is nearest-rank, i.e. the worst of ${trip.trials.length})`);
  const dist = (xs: number[]): string[] => [percentile(xs, 50).toFixed(2), percentile(xs, 99).toFixed(2), Math.max(...xs).toFixed(2)];
  console.log(
    table(
      ['measured from', 'p50', 'p99', 'max'],
      [
        ['first onStateChange OPEN in the fleet (target metric)', ...dist(fromFirst)],
        ['reply to the tripping flush received', ...dist(fromReply)],
        ['tripping flush sent (incl. Redis round trip)', ...dist(fromSent)],
      ],
    ),
  );
  console.log(`every instance rejected a call with BreakerOpenError after each trip: ${trip.rejectedAll ? 'yes' : 'NO'}; an instance fell back to local mode: ${trip.localModeEntered ? 'YES' : 'no'}`);
  console.log('');

  const deleted = await deleteKeys(KEY_PREFIX, REDIS_URL);
  const ratio = fleetRow.conc / opo.conc;
  const p99 = percentile(fromFirst, 99);
  const maxRedis = Math.max(...rates.map((r) => r.clientSent));
  console.log('Targets');
  console.log(`  fleet hot path <= 1.5x opossum (100 concurrent): ${ratio.toFixed(2)}x -> ${ratio <= 1.5 ? 'MET' : 'NOT MET'}`);
  console.log(`  trip propagation p99 < 100 ms: ${p99.toFixed(2)} ms -> ${p99 < 100 ? 'MET' : 'NOT MET'}`);
  console.log(`  Redis commands/s flat across call rates: ${rates.map((r) => r.clientSent.toFixed(1)).join(' / ')} sent per s (max ${maxRedis.toFixed(1)})`);
  console.log(`load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`cleanup: deleted ${deleted} keys under ${KEY_PREFIX}; total run ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  console.log(`fleet-vs-opossum ratio: ${ratio.toFixed(2)}`);
}

// No process.exit on success: everything is closed, so the process ends on its own.
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
