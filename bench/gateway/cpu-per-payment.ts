// CPU per payment by kind of process, from two /proc readings of one fleet (cpu-usage.ts): every
// gateway instance together (`api-<n>` for Breakwater, `bare-<n>` for the baseline), Redis, the
// simulator, nginx, and the load generator apart.
import type { CpuShare } from './cpu-usage';

export const PROCESS_KINDS = ['gateway', 'redis', 'simulator', 'nginx'] as const;
export type ProcessKind = (typeof PROCESS_KINDS)[number] | 'generator';

function kindOf(part: string): ProcessKind | undefined {
  if (/^(api|bare)-\d+$/.test(part)) return 'gateway';
  if (/^redis(-\d+)?$/.test(part)) return 'redis'; // `redis-<port>`: a node the bench started itself
  if (part === 'sim') return 'simulator';
  if (part === 'lb') return 'nginx';
  if (part.startsWith('load generator')) return 'generator';
  return undefined; // the launcher, the machine's rows
}

/** ms of CPU per payment for each kind, over a window of `seconds` that answered `payments`. */
export function cpuMsPerPayment(shares: readonly CpuShare[], seconds: number, payments: number): Map<ProcessKind, number> {
  const perKind = new Map<ProcessKind, number>();
  for (const share of shares) {
    const kind = kindOf(share.name);
    if (kind === undefined) continue;
    const ms = (share.percentOfCore / 100) * seconds * 1000;
    perKind.set(kind, (perKind.get(kind) ?? 0) + ms / Math.max(1, payments));
  }
  return perKind;
}

/** The fleet's total (gateway, Redis, simulator, nginx; not the generator). */
export const fleetTotal = (perKind: ReadonlyMap<ProcessKind, number>): number => PROCESS_KINDS.reduce((sum, kind) => sum + (perKind.get(kind) ?? 0), 0);
