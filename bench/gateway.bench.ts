// Payment gateway load benchmark: `npm run bench:gateway` (node --import tsx bench/gateway.bench.ts).
//
// --mode compare (default, bench/gateway/compare-mode.ts): Breakwater (`npm run fleet`, 3
//   instances) and the bare gateway (bench/baseline, 3 instances), each behind its own nginx with
//   its own Redis and simulator, driven rate by rate with an open-loop generator: the highest
//   rate held (p95 < 200 ms, >= 99.9% 2xx), CPU per payment per kind of process, Redis commands
//   per payment, the follow-up backlog during and after each window, Redis memory per payment.
// --mode faults (bench/gateway/fault-mode.ts): Breakwater alone, healthy rates, then provider-a
//   down and healed, then the simulator's ledger (no double charge).
// --mode topologies (bench/gateway/topology-mode.ts): Breakwater on one Redis and on a private
//   3+3 Redis Cluster side by side, both started by the bench; --topologies single,cluster.
//   Modest default rates (20,40,60): the shared 2-core machine holds no more than that today.
//
// The load generator runs on the same machine as the fleets and competes with them for the cores.
// The last line printed is `payments-per-minute: N` (Breakwater's highest rate held, times 60).
import { parseArgs } from 'node:util';
import { runCompareMode } from './gateway/compare-mode';
import { runFaultMode } from './gateway/fault-mode';
import type { FleetKind } from './gateway/fleet-process';
import { runTopologyMode, TOPOLOGIES, type Topology } from './gateway/topology-mode';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'compare' },
    rates: { type: 'string' },
    subjects: { type: 'string', default: 'breakwater,bare' },
    topologies: { type: 'string', default: 'single,cluster' },
    'fault-rate': { type: 'string', default: '150' },
    'initial-warmup-s': { type: 'string' },
    'warmup-s': { type: 'string', default: '3' },
    'duration-s': { type: 'string' },
    'tail-s': { type: 'string', default: '10' },
    connections: { type: 'string' },
    instances: { type: 'string' },
  },
});

const seconds = (name: string, value: string | undefined): number => {
  const n = Number(value);
  if (!(n >= 0)) throw new Error(`--${name} must be 0 or more seconds`);
  return n * 1000;
};
const positive = (name: string, value: string | undefined): number => {
  const n = Number(value);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number`);
  return n;
};
const rates = (fallback: string): number[] => (args.rates ?? fallback).split(',').map((r) => positive('rates', r));

async function main(): Promise<void> {
  const faults = args.mode === 'faults';
  // The faults mode keeps the defaults of its recorded runs (docs/benchmarks.md): 2 instances, 128 connections.
  const common = {
    initialWarmupMs: seconds('initial-warmup-s', args['initial-warmup-s'] ?? (faults ? '15' : '10')),
    warmupMs: seconds('warmup-s', args['warmup-s']),
    // Under nginx's limit_conn of 256 per client address, which the generator's pool must not reach.
    connections: positive('connections', args.connections ?? (faults ? '128' : '192')),
    instances: positive('instances', args.instances ?? (faults ? '2' : '3')),
  };
  if (faults) {
    await runFaultMode({ ...common, rates: rates('100,200,300,400,600'), faultRate: positive('fault-rate', args['fault-rate']), durationMs: seconds('duration-s', args['duration-s'] ?? '20') });
    return;
  }
  if (args.mode === 'topologies') {
    const topologies = (args.topologies ?? '').split(',').filter((t): t is Topology => (TOPOLOGIES as readonly string[]).includes(t));
    if (topologies.length === 0) throw new Error('--topologies: single, cluster or both');
    await runTopologyMode({ ...common, topologies, rates: rates('20,40,60'), durationMs: seconds('duration-s', args['duration-s'] ?? '15'), tailMs: seconds('tail-s', args['tail-s']) });
    return;
  }
  if (args.mode !== 'compare') throw new Error(`--mode must be compare, faults or topologies (got ${args.mode})`);
  const subjects = (args.subjects ?? '').split(',').filter((s): s is FleetKind => s === 'breakwater' || s === 'bare');
  if (subjects.length === 0) throw new Error('--subjects: breakwater, bare or both');
  await runCompareMode({ ...common, subjects, rates: rates('300,600,833,1200'), durationMs: seconds('duration-s', args['duration-s'] ?? '15'), tailMs: seconds('tail-s', args['tail-s']) });
}

// No process.exit on success: the fleets are stopped and the pools closed, so the process ends on its own.
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
