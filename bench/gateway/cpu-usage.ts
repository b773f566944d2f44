// CPU used by each part of the fleet (and by the load generator) over an interval, from
// /proc/<pid>/stat utime + stime, the counters `ps` reads. `ps -o pcpu` itself divides them by the
// process's whole lifetime, so it cannot show one phase; the difference of two readings can.
// A part's number includes its descendants (nginx's worker is a child of the master in `pids`).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export interface CpuReading {
  at: number;
  /** name -> utime + stime in clock ticks, descendants included. */
  ticks: Map<string, number>;
  /** The machine's busy and total ticks, all cores, from /proc/stat. */
  machineBusy: number;
  machineTotal: number;
  /** irq + softirq ticks (kernel work no process is charged for: loopback TCP among others). */
  machineIrq: number;
  /** Every process outside the parts and this process: pid -> ticks and command name. */
  others: Map<number, { ticks: number; comm: string }>;
}

export interface CpuShare {
  name: string;
  /** Percent of one core, as `ps` and `top` show it (200 = both cores of a 2-core machine). */
  percentOfCore: number;
}

const CLOCK_TICKS = readClockTicks();

function readClockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

interface ProcStat {
  ppid: number;
  ticks: number;
  comm: string;
}

/** Fields after the `(comm)`: state ppid ... utime(14) stime(15), counted from 1 over the whole line. */
function readProcStat(pid: number | 'self'): ProcStat | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = line.slice(line.lastIndexOf(')') + 2).split(' ');
    const comm = line.slice(line.indexOf('(') + 1, line.lastIndexOf(')'));
    return { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]), comm };
  } catch {
    return undefined; // gone
  }
}

function allProcesses(): Map<number, ProcStat> {
  const all = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat !== undefined) all.set(Number(entry), stat);
  }
  return all;
}

function treeTicks(root: number, all: Map<number, ProcStat>, seen: Set<number>): number {
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() ?? 0;
    seen.add(pid);
    total += all.get(pid)?.ticks ?? 0;
    for (const [child, stat] of all) if (stat.ppid === pid) stack.push(child);
  }
  return total;
}

function machineTicks(): { busy: number; total: number; irq: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0); // idle + iowait
  return { busy: total - idle, total, irq: (cpu[5] ?? 0) + (cpu[6] ?? 0) };
}

/**
 * Reads every part at once. `parts` maps a name to a root pid; the launcher (`fleet`) is read on
 * its own (its children are the other parts). `generator` is this process.
 */
export function readCpu(parts: Record<string, number>): CpuReading {
  const all = allProcesses();
  const ticks = new Map<string, number>();
  const seen = new Set<number>([process.pid, process.ppid]);
  for (const [name, pid] of Object.entries(parts)) {
    seen.add(pid);
    ticks.set(name, name === 'fleet' ? (all.get(pid)?.ticks ?? 0) : treeTicks(pid, all, seen));
  }
  ticks.set('load generator (this process)', readProcStat('self')?.ticks ?? 0);
  const others = new Map<number, { ticks: number; comm: string }>();
  for (const [pid, stat] of all) if (!seen.has(pid)) others.set(pid, { ticks: stat.ticks, comm: stat.comm });
  const machine = machineTicks();
  return { at: performance.now(), ticks, machineBusy: machine.busy, machineTotal: machine.total, machineIrq: machine.irq, others };
}

/** Percent of one core per part between two readings, plus the whole machine. */
export function cpuBetween(before: CpuReading, after: CpuReading, cores: number): CpuShare[] {
  const seconds = (after.at - before.at) / 1000;
  const shares: CpuShare[] = [];
  for (const [name, ticks] of after.ticks) {
    shares.push({ name, percentOfCore: ((ticks - (before.ticks.get(name) ?? 0)) / CLOCK_TICKS / seconds) * 100 });
  }
  const total = after.machineTotal - before.machineTotal;
  const machine = total > 0 ? ((after.machineBusy - before.machineBusy) / total) * 100 * cores : 0;
  const irq = total > 0 ? ((after.machineIrq - before.machineIrq) / total) * 100 * cores : 0;
  const listed = shares.reduce((acc, c) => acc + c.percentOfCore, 0);
  shares.push({ name: 'kernel irq + softirq', percentOfCore: irq });
  shares.push({ name: 'other processes on the machine', percentOfCore: Math.max(0, machine - listed - irq) });
  shares.push({ name: `whole machine (${cores} cores = ${cores * 100})`, percentOfCore: machine });
  return shares;
}

/** The busiest processes outside the fleet and the generator (alive at both readings), by command name. */
export function busiestOthers(before: CpuReading, after: CpuReading, n: number): CpuShare[] {
  const seconds = (after.at - before.at) / 1000;
  const byComm = new Map<string, number>();
  for (const [pid, now] of after.others) {
    const then = before.others.get(pid);
    if (then === undefined || then.comm !== now.comm) continue;
    byComm.set(now.comm, (byComm.get(now.comm) ?? 0) + now.ticks - then.ticks);
  }
  return [...byComm]
    .map(([name, ticks]) => ({ name, percentOfCore: (ticks / CLOCK_TICKS / seconds) * 100 }))
    .filter((c) => c.percentOfCore >= 1)
    .sort((a, b) => b.percentOfCore - a.percentOfCore)
    .slice(0, n);
}
