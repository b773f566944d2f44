// The breaker benchmark's fleet sections on two topologies, side by side in one run:
// `npm run bench:breaker:topologies` (tsx bench/breaker-topologies.bench.ts).
//
// Starts its own redis-server and its own 3-master + 3-replica Cluster (test/support), so the
// shared Redis is not touched, then measures on each:
// 1. Hot path, CLOSED fleet breaker with Redis up, protected call `async () => 1`: ns per call,
//    sequential and 100 concurrent, and the process's CPU time per call (100 concurrent: on a
//    busy machine wall time is mostly waiting for a core); rounds interleaved across the
//    topologies, order rotated, median reported (the local breaker as the floor).
// 2. Trip propagation: 10 fleet instances (own connections each); ms from the first instance
//    seeing OPEN until all 10 are OPEN. p50 / p99 / max.
// The machine is shared: compare the topologies by the ratios of this run, not with other runs.
import { createHash } from 'node:crypto';
import { arch, cpus, loadavg, platform, release } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BreakerState, createLocalBreaker } from '@breakwater/resilience';
import { createCoordinationConnection, createFleetBreakers, readScript, type FleetBreaker, type FleetBreakers, type RedisConnection } from '@breakwater/redis-store';
import { startRedisServer } from '../test/support/redis-server';
import { startRedisCluster } from '../test/support/redis-cluster';
import { waitFor } from '../test/support/wait-for';
import { concurrentCostPerCall, fmt, median, percentile, sequentialNsPerCall, sleep, table, watchCommands } from './bench-support';

const CALLS_PER_ROUND = 60_000;
const CONCURRENCY = 100;
const WARMUP_PASSES = 2;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const FLEET_INSTANCES = 10;
const TRIP_TRIALS = Number(process.env.BENCH_TRIP_TRIALS ?? 40);
const FAILURES_PER_INSTANCE = 3; // 30 failures in all; the window trips at minimumCalls (20)
const KEY_PREFIX = 'bench:topologies:';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const protectedCall = async (): Promise<number> => 1;
const failingCall = async (): Promise<number> => {
  throw new Error('downstream failed');
};
const ignore = (): void => undefined;

interface Topology {
  name: string;
  url: string;
}

interface Instance {
  redis: RedisConnection;
  fleet: FleetBreakers;
}

/** A fleet over its own coordination connection, deciding with Redis (not locally) when it resolves. */
async function instance(url: string, id: string, keyPrefix: string): Promise<Instance> {
  const redis = createCoordinationConnection(url);
  redis.on('error', ignore);
  await waitFor(() => redis.status === 'ready', { timeoutMs: 10_000, description: `${id} connected to ${url}` });
  const fleet = createFleetBreakers({ redis, instanceId: id, keyPrefix });
  return { redis, fleet };
}

async function closeAll(instances: readonly Instance[]): Promise<void> {
  await Promise.all(instances.map((i) => i.fleet.close()));
  for (const i of instances) i.redis.disconnect();
}

async function inFleetMode(fleet: FleetBreakers): Promise<void> {
  await fleet.ready(10_000);
  await waitFor(() => fleet.mode === 'fleet', { timeoutMs: 10_000, description: 'the fleet to decide with Redis' });
}

// ---------------------------------------------------------------------------------------------
// 1. Hot path

interface Subject {
  name: string;
  call: () => Promise<unknown>;
  sequential: number[];
  concurrent: number[];
  /** CPU time (user + system) of this process per call, 100 concurrent: the work, without the waits for a core. */
  concurrentCpu: number[];
}

async function hotPath(topologies: readonly Topology[]): Promise<{ subjects: Subject[]; healthy: boolean }> {
  const local = createLocalBreaker('psp-local');
  const instances: Instance[] = [];
  const breakers: FleetBreaker[] = [];
  const subjects: Subject[] = [{ name: 'Breakwater local (floor)', call: () => local.execute(protectedCall), sequential: [], concurrent: [], concurrentCpu: [] }];
  try {
    for (const t of topologies) {
      const i = await instance(t.url, `hot-${t.name}`, `${KEY_PREFIX}hot:`);
      instances.push(i);
      const breaker = i.fleet.get('psp-fleet', {});
      breakers.push(breaker);
      await inFleetMode(i.fleet);
      subjects.push({ name: `fleet, ${t.name}`, call: () => breaker.execute(protectedCall), sequential: [], concurrent: [], concurrentCpu: [] });
    }
    for (let pass = 0; pass < WARMUP_PASSES + ROUNDS; pass++) {
      for (let k = 0; k < subjects.length; k++) {
        const s = subjects[(k + pass) % subjects.length]; // rotated, so no subject always runs first
        collectGarbage();
        const seq = await sequentialNsPerCall(s.call, CALLS_PER_ROUND);
        collectGarbage();
        const conc = await concurrentCostPerCall(s.call, CALLS_PER_ROUND, CONCURRENCY);
        if (pass >= WARMUP_PASSES) {
          s.sequential.push(seq);
          s.concurrent.push(conc.wallNs);
          s.concurrentCpu.push(conc.cpuNs);
        }
      }
    }
    const healthy = instances.every((i) => i.fleet.mode === 'fleet') && breakers.every((b) => b.state === BreakerState.CLOSED);
    return { subjects, healthy };
  } finally {
    local.dispose();
    await closeAll(instances);
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Trip propagation

interface TripResult {
  /** ms from the first instance's OPEN to the last one's, per trial. */
  spreads: number[];
  /** ms from the reply to the tripping flush to the last instance's OPEN, per trial. */
  fromReply: number[];
  rejectedAll: boolean;
  localModeEntered: boolean;
}

async function tripPropagation(topology: Topology): Promise<TripResult> {
  // ioredis sends a script's first call on a connection as EVAL (the source), later ones as EVALSHA.
  const recordLua = readScript('record-outcomes-4.lua');
  const recordSha = createHash('sha1').update(recordLua).digest('hex');
  const instances: Instance[] = [];
  const breakers: FleetBreaker[] = [];
  let current: { openAt: (number | undefined)[]; tripReplied?: number } | undefined;
  let localModeEntered = false;
  const result: TripResult = { spreads: [], fromReply: [], rejectedAll: true, localModeEntered: false };
  try {
    for (let n = 0; n < FLEET_INSTANCES; n++) {
      const i = await instance(topology.url, `trip-${topology.name}-${n}`, `${KEY_PREFIX}trip:`);
      instances.push(i);
      watchCommands(i.redis, (cmd) => {
        if (!(cmd.name === 'evalsha' && cmd.args[0] === recordSha) && !(cmd.name === 'eval' && cmd.args[0] === recordLua)) return;
        const trial = current;
        void cmd.reply.then((reply) => {
          if (trial === undefined || trial.tripReplied !== undefined || !Array.isArray(reply)) return;
          if (Number(reply[0]) === 1 && reply[1] === BreakerState.OPEN) trial.tripReplied = performance.now();
        });
      });
      const breaker = i.fleet.get('psp-authorize', { minimumCalls: 20, failureRateThreshold: 0.5 });
      breaker.onStateChange((change) => {
        if (current !== undefined && change.to === BreakerState.OPEN && current.openAt[n] === undefined) current.openAt[n] = performance.now();
      });
      i.fleet.onModeChange((m) => {
        if (m.mode === 'local') localModeEntered = true;
      });
      breakers.push(breaker);
    }
    await Promise.all(instances.map((i) => inFleetMode(i.fleet)));
    for (let t = 0; t < TRIP_TRIALS; t++) {
      await breakers[0].reset();
      const version = breakers[0].snapshot().version;
      await waitFor(() => breakers.every((b) => b.state === BreakerState.CLOSED && b.snapshot().version === version), { timeoutMs: 3_000, intervalMs: 1, description: 'every instance to see the reset' });
      await sleep(5);
      const trial: NonNullable<typeof current> = { openAt: new Array<number | undefined>(FLEET_INSTANCES).fill(undefined) };
      current = trial;
      for (const b of breakers) for (let k = 0; k < FAILURES_PER_INSTANCE; k++) b.execute(failingCall).catch(ignore);
      await waitFor(() => trial.openAt.every((x) => x !== undefined) && trial.tripReplied !== undefined, { timeoutMs: 5_000, intervalMs: 1, description: 'every instance to see OPEN' });
      current = undefined;
      const openAt = trial.openAt as number[];
      result.spreads.push(Math.max(...openAt) - Math.min(...openAt));
      result.fromReply.push(Math.max(...openAt) - (trial.tripReplied ?? 0));
      const rejected = await Promise.all(breakers.map((b) => b.execute(protectedCall).then(() => false, () => true)));
      if (!rejected.every(Boolean)) result.rejectedAll = false;
    }
    await breakers[0].reset();
  } finally {
    current = undefined;
    await closeAll(instances);
  }
  result.localModeEntered = localModeEntered;
  return result;
}

// ---------------------------------------------------------------------------------------------

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const startedAt = performance.now();
  console.log('Breakwater circuit breaker benchmark: single Redis vs Redis Cluster');
  console.log(`node ${process.version}, ${platform()} ${release()} ${arch()}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}`);
  console.log(`load average at start ${load()}`);
  const server = await startRedisServer();
  const cluster = await startRedisCluster().catch(async (error: unknown) => {
    await server.cleanup();
    throw error;
  });
  const topologies: Topology[] = [
    { name: 'single redis-server', url: server.url },
    { name: 'Cluster 3+3', url: cluster.url },
  ];
  console.log(`single: ${server.url}; Cluster: ${cluster.url}`);
  console.log('');
  try {
    console.log(`[1/2] hot path: ${WARMUP_PASSES} warm-up passes + ${ROUNDS} rounds x ${fmt(CALLS_PER_ROUND)} calls per subject and mode ...`);
    const hot = await hotPath(topologies);
    const rows = hot.subjects.map((s) => ({ name: s.name, seq: median(s.sequential), conc: median(s.concurrent), cpu: median(s.concurrentCpu), min: Math.min(...s.concurrent), max: Math.max(...s.concurrent) }));
    const single = rows[1];
    console.log('');
    console.log(`Hot path, ns per call (median of ${ROUNDS} rounds; CLOSED breaker, Redis up)`);
    console.log(
      table(
        ['subject', 'sequential', `${CONCURRENCY} concurrent`, 'conc. min..max', 'conc. CPU ns', 'seq. vs single', 'conc. vs single', 'CPU vs single'],
        rows.map((r) => [r.name, fmt(r.seq), fmt(r.conc), `${fmt(r.min)}..${fmt(r.max)}`, fmt(r.cpu), `${(r.seq / single.seq).toFixed(2)}x`, `${(r.conc / single.conc).toFixed(2)}x`, `${(r.cpu / single.cpu).toFixed(2)}x`]),
      ),
    );
    if (!hot.healthy) console.log('WARNING: a fleet breaker left fleet mode or CLOSED during the hot path run');
    console.log('');

    console.log(`[2/2] trip propagation: ${FLEET_INSTANCES} fleet instances, ${TRIP_TRIALS} trials per topology ...`);
    const trips: { topology: Topology; trip: TripResult }[] = [];
    for (const topology of topologies) trips.push({ topology, trip: await tripPropagation(topology) });
    console.log('');
    console.log(`Trip propagation, ms until all ${FLEET_INSTANCES} instances are OPEN (p99 nearest-rank of ${TRIP_TRIALS} trials)`);
    const dist = (xs: number[]): string[] => [percentile(xs, 50).toFixed(2), percentile(xs, 99).toFixed(2), Math.max(...xs).toFixed(2)];
    console.log(
      table(
        ['topology', 'from first OPEN p50', 'p99', 'max', 'from tripping reply p50', 'p99', 'max', 'all rejected', 'went local'],
        trips.map(({ topology, trip }) => [topology.name, ...dist(trip.spreads), ...dist(trip.fromReply), trip.rejectedAll ? 'yes' : 'NO', trip.localModeEntered ? 'YES' : 'no']),
      ),
    );
    const [s, c] = trips.map((t) => percentile(t.trip.spreads, 50));
    console.log('');
    console.log(`Cluster / single ratios: hot path ${(rows[2].seq / single.seq).toFixed(2)}x sequential, ${(rows[2].conc / single.conc).toFixed(2)}x concurrent, ${(rows[2].cpu / single.cpu).toFixed(2)}x CPU per call; trip propagation p50 ${(c / Math.max(s, 0.001)).toFixed(2)}x`);
  } finally {
    await cluster.cleanup();
    await server.cleanup();
  }
  console.log(`load average at end ${load()}; total run ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
}

// No process.exit on success: everything is closed, so the process ends on its own.
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
