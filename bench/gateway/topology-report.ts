// The tables of `npm run bench:gateway -- --mode topologies`: every window, then what the Cluster
// costs a payment against one Redis at each rate both ran (ratios cluster / single).
import { fmt, table } from '../bench-support';
import { sumOf, TARGET_AVAILABILITY, TARGET_P95_MS, type WindowResult } from './compare-mode';
import { fleetTotal } from './cpu-per-payment';
import { WINDOW_HEADERS, windowCells } from './compare-report';
import type { TopologyOptions } from './topology-mode';

const perPayment = (r: WindowResult): number => sumOf(r.commands) / Math.max(1, r.payments);
const ratio = (a: number, b: number): string => (b > 0 && Number.isFinite(a) ? `${fmt(a / b, 2)}x` : '-');

export function printTopologies(results: readonly WindowResult[], o: TopologyOptions): void {
  console.log('');
  console.log(`Held = p95 < ${TARGET_P95_MS} ms, >= ${TARGET_AVAILABILITY * 100}% 2xx and >= 95% of the rate achieved. Latency from the moment a request was due (open loop).`);
  console.log(`Redis CPU = every redis-server of the topology (the Cluster: 3 masters and 3 replicas); Redis commands = INFO commandstats summed over the masters.`);
  console.log(
    table(
      ['topology', ...WINDOW_HEADERS, 'audit backlog +tail'],
      results.map((r) => [...windowCells(r), fmt(r.lag.afterTail.audit)]),
    ),
  );
  const pairs = [...new Set(results.map((r) => r.rate))].flatMap((rate) => {
    const single = results.find((r) => r.subject === 'single' && r.rate === rate);
    const cluster = results.find((r) => r.subject === 'cluster' && r.rate === rate);
    return single === undefined || cluster === undefined ? [] : [{ rate, single, cluster }];
  });
  if (pairs.length > 0) {
    console.log('');
    console.log('The Cluster against one Redis (cluster / single), per rate:');
    console.log(
      table(
        ['rate/s', 'p50', 'p95', 'p99', 'Redis CPU/pay', 'gateway CPU/pay', 'fleet CPU/pay', 'Redis cmds/pay'],
        pairs.map(({ rate, single, cluster }) => [
          fmt(rate),
          ratio(cluster.summary.p50, single.summary.p50),
          ratio(cluster.summary.p95, single.summary.p95),
          ratio(cluster.summary.p99, single.summary.p99),
          ratio(cluster.cpu.get('redis') ?? 0, single.cpu.get('redis') ?? 0),
          ratio(cluster.cpu.get('gateway') ?? 0, single.cpu.get('gateway') ?? 0),
          ratio(fleetTotal(cluster.cpu), fleetTotal(single.cpu)),
          ratio(perPayment(cluster), perPayment(single)),
        ]),
      ),
    );
  }
  console.log('');
  const best = (topology: string): number => results.filter((r) => r.subject === topology && r.held).reduce((a, r) => Math.max(a, r.rate), 0);
  for (const topology of o.topologies) console.log(`highest rate held, ${topology}: ${fmt(best(topology))}/s (${fmt(best(topology) * 60)} per minute)`);
}
