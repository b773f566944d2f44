// `npm run bench:gateway -- --mode topologies` (issue 11): Breakwater on one Redis and Breakwater on
// a private Redis Cluster (3 masters, 3 replicas, test/support/redis-cluster.ts), both fleets up
// at once behind their own nginx with their own simulator, rate by rate in one run, the order
// alternating from rate to rate as in compare mode. The bench starts both Redis deployments
// itself (the launcher takes them through FLEET_REDIS_URL) with the launcher's own persistence
// and stream settings, and stops them after the fleets, also on Ctrl-C / SIGTERM. Per topology
// and rate: held or not, latency, CPU per payment per kind of process (Redis = every node:
// the Cluster's masters and replicas), Redis commands per payment (summed over the masters).
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { fmt } from '../bench-support';
import { findFreePort, startRedisServer, type RedisServerHandle } from '../../test/support/redis-server';
import { redisCli, startRedisCluster } from '../../test/support/redis-cluster';
import { CUSTOMERS, runWindows, sumOf, type Subject, type WindowOptions, type WindowResult } from './compare-mode';
import { fleetTotal } from './cpu-per-payment';
import { FleetProcess } from './fleet-process';
import { PaymentLoad } from './open-loop';
import { RedisProbe } from './redis-probe';
import { printTopologies } from './topology-report';

export type Topology = 'single' | 'cluster';
export const TOPOLOGIES: readonly Topology[] = ['single', 'cluster'];

export interface TopologyOptions extends WindowOptions {
  rates: number[];
  topologies: Topology[];
  initialWarmupMs: number;
  connections: number;
  instances: number;
}

/** What the launcher's own redis-server sets (scripts/fleet/parts/redis.ts), so only the topology differs. */
const LAUNCHER_REDIS_SETTINGS: readonly [string, string][] = [
  ['appendonly', 'yes'],
  ['appendfsync', 'everysec'],
  ['maxmemory-policy', 'noeviction'],
  ['stream-node-max-bytes', '512'],
];

interface Deployment {
  url: string;
  nodes: readonly RedisServerHandle[];
  cleanup(): Promise<void>;
}

async function startDeployment(topology: Topology): Promise<Deployment> {
  if (topology === 'cluster') {
    const cluster = await startRedisCluster();
    return { url: cluster.url, nodes: cluster.nodes, cleanup: () => cluster.cleanup() };
  }
  const server = await startRedisServer();
  return { url: server.url, nodes: [server], cleanup: () => server.cleanup() };
}

/** Applies the launcher's settings to every node and returns each node's pid (INFO server), named `redis-<port>`. */
async function prepareNodes(nodes: readonly RedisServerHandle[]): Promise<Record<string, number>> {
  const pids: Record<string, number> = {};
  for (const node of nodes) {
    for (const [name, value] of LAUNCHER_REDIS_SETTINGS) {
      const reply = (await redisCli(node.port, 'config', 'set', name, value)).trim();
      if (reply !== 'OK') throw new Error(`CONFIG SET ${name} ${value} on port ${node.port}: ${reply}`);
    }
    const pid = /process_id:(\d+)/.exec(await redisCli(node.port, 'info', 'server'))?.[1];
    if (pid === undefined) throw new Error(`no process_id from the redis-server on port ${node.port}`);
    pids[`redis-${node.port}`] = Number(pid);
  }
  return pids;
}

async function startTopology(topology: Topology, deployment: Deployment, o: TopologyOptions, runId: string): Promise<Subject> {
  const redisPids = await prepareNodes(deployment.nodes);
  const port = await findFreePort();
  const fleet = await FleetProcess.start(o.instances, port, { ADMIN_TOKEN: `bench-gateway-${randomUUID()}`, FLEET_REDIS_URL: deployment.url }, 'breakwater');
  const redis = await RedisProbe.open(fleet.json.redisUrlFile);
  const load = new PaymentLoad({ url: fleet.json.lb, connections: o.connections, customers: CUSTOMERS, keyPrefix: `bench-${runId}-${topology}-` });
  return { kind: topology, fleet, redisPids, load, redis, start: await redis.read(), givenUp: false };
}

export async function runTopologyMode(o: TopologyOptions): Promise<void> {
  const startedAt = performance.now();
  const runId = randomUUID().slice(0, 8);
  const deployments: Deployment[] = [];
  const subjects: Subject[] = [];
  const results: WindowResult[] = [];
  // Synchronous last resort: the fleets' groups and every node SIGKILLed (redis-server.ts does
  // that on exit), their temp dirs removed.
  const killAll = (): void => {
    subjects.forEach((s) => s.fleet.kill());
    for (const d of deployments) for (const n of d.nodes) rmSync(n.dir, { recursive: true, force: true });
  };
  process.on('exit', killAll);
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  try {
    for (const topology of o.topologies) {
      const deployment = await startDeployment(topology);
      deployments.push(deployment);
      subjects.push(await startTopology(topology, deployment, o, runId));
    }
    console.log(`fleets ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s: ${subjects.map((s, i) => `${s.kind} ${s.fleet.json.lb} on ${deployments[i]?.nodes.length ?? 0} redis-server(s)`).join(', ')}`);
    results.push(
      ...(await runWindows(subjects, { ...o, firstRate: o.rates[0] ?? 20, unit: 'topology' }, (r) =>
        `CPU ${fmt(fleetTotal(r.cpu), 2)} ms/payment (Redis ${fmt(r.cpu.get('redis') ?? 0, 2)}), Redis ${fmt(sumOf(r.commands) / Math.max(1, r.payments), 1)} cmds/payment`,
      )),
    );
  } finally {
    for (const s of subjects) {
      s.redis.close();
      await s.load.close();
      const stop = await s.fleet.stop();
      console.log(`${s.kind} fleet stopped: exit code ${stop.exitCode}${stop.killed ? ' (SIGKILL needed)' : ''}; parts still alive: ${stop.survivors.length === 0 ? 'none' : stop.survivors.join(', ')}`);
    }
    for (const d of deployments) await d.cleanup();
    console.log(`redis stopped: ${deployments.map((d) => `${d.nodes.filter((n) => n.isRunning()).length} of ${d.nodes.length} node(s) still running`).join(', ')}`);
    process.off('exit', killAll);
  }
  printTopologies(results, o);
  console.log(`total run ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
}
