// The tables of `npm run bench:gateway` (compare mode): every window, then the two subjects side
// by side, the Redis commands behind a payment, and what Redis keeps per payment.
import { fmt, table } from '../bench-support';
import type { CompareOptions, SubjectEnd, WindowResult } from './compare-mode';
import { cpuRatio, sumOf, TARGET_AVAILABILITY, TARGET_P95_MS } from './compare-mode';
import { fleetTotal, PROCESS_KINDS } from './cpu-per-payment';
import type { FleetKind } from './fleet-process';

const ms = (n: number): string => (Number.isNaN(n) ? '-' : fmt(n, n < 100 ? 1 : 0));
const per = (n: number, payments: number): string => fmt(n / Math.max(1, payments), 2);

/** The headers after the first (subject) column of a window's row, and its cells below. */
export const WINDOW_HEADERS = ['rate/s', '2xx/s', '2xx share', 'p50 ms', 'p95 ms', 'p99 ms', 'held', ...PROCESS_KINDS.map((k) => `${k} CPU ms/pay`), 'fleet CPU ms/pay', 'generator ms/pay', 'Redis cmds/pay'];

export function windowCells(r: WindowResult): string[] {
  return [
    r.subject,
    fmt(r.rate),
    fmt(r.summary.achieved, 1),
    `${(r.summary.availability * 100).toFixed(r.summary.availability === 1 ? 0 : 2)}%`,
    ms(r.summary.p50),
    ms(r.summary.p95),
    ms(r.summary.p99),
    r.held ? 'yes' : 'no',
    ...PROCESS_KINDS.map((k) => fmt(r.cpu.get(k) ?? 0, 2)),
    fmt(fleetTotal(r.cpu), 2),
    fmt(r.cpu.get('generator') ?? 0, 2),
    per(sumOf(r.commands), r.payments),
  ];
}

export function printComparison(results: readonly WindowResult[], ends: readonly SubjectEnd[], o: CompareOptions): void {
  console.log('');
  console.log(`Held = p95 < ${TARGET_P95_MS} ms, >= ${TARGET_AVAILABILITY * 100}% 2xx and >= 95% of the rate achieved. Latency from the moment a request was due (open loop).`);
  console.log(
    table(
      ['subject', ...WINDOW_HEADERS],
      results.map(windowCells),
    ),
  );
  console.log('');
  console.log(`Follow-up backlog (audit entries not in the file yet; email notifications not sent yet): largest during the window, when the load stopped, ${o.tailMs / 1000} s after.`);
  console.log(
    table(
      ['subject', 'rate/s', 'audit max', 'audit at end', `audit +${o.tailMs / 1000} s`, 'notify max', 'notify at end', `notify +${o.tailMs / 1000} s`, 'caught up after'],
      results.map((r) => [
        r.subject,
        fmt(r.rate),
        fmt(r.lag.maxDuring.audit),
        fmt(r.lag.atEnd.audit),
        fmt(r.lag.afterTail.audit),
        fmt(r.lag.maxDuring.notify),
        fmt(r.lag.atEnd.notify),
        fmt(r.lag.afterTail.notify),
        r.lag.caughtUpMs === undefined ? `not in ${o.tailMs / 1000} s` : `${fmt(r.lag.caughtUpMs / 1000, 1)} s`,
      ]),
    ),
  );
  console.log('');
  const best = (kind: FleetKind): number => results.filter((r) => r.subject === kind && r.held).reduce((a, r) => Math.max(a, r.rate), 0);
  for (const kind of ['breakwater', 'bare'] as const) if (results.some((r) => r.subject === kind)) console.log(`highest rate held, ${kind}: ${fmt(best(kind))}/s (${fmt(best(kind) * 60)} per minute)`);
  const ratio = cpuRatio(results);
  if (ratio !== undefined) console.log(`fleet CPU per payment, Breakwater / bare: ${ratio.toFixed(2)} (at the highest rate both held, else the lowest both ran)`);
  for (const kind of ['breakwater', 'bare'] as const) {
    const mine = results.filter((r) => r.subject === kind);
    const r = mine.filter((x) => x.held).at(-1) ?? mine[0];
    if (r === undefined) continue;
    const top = [...r.commands].sort((a, b) => b[1] - a[1]).slice(0, 14);
    console.log('');
    console.log(`Redis commands per payment, ${kind} at ${r.rate}/s (${per(sumOf(r.commands), r.payments)} in all):`);
    console.log(`  ${top.map(([name, n]) => `${name} ${per(n, r.payments)}`).join(', ')}`);
  }
  console.log('');
  for (const e of ends) {
    console.log(`Redis after the run, ${e.subject}: ${fmt(e.payments)} payments; used_memory +${fmt(e.memoryBytes / 1024 / 1024, 1)} MiB (${fmt(e.memoryBytes / Math.max(1, e.payments))} bytes per payment), keys +${fmt(e.keys)} (${per(e.keys, e.payments)} per payment)`);
  }
}
