// Per-second buckets of the load (by due time) for the charts and the recovery rule.
import { isAvailable, type AvailabilityRule } from './availability';
import { phaseOf, type FaultWindow } from './fault-window';
import { summarizeLatencies } from './percentiles';
import type { Sample } from '../load/sample';

export const BUCKET_MS = 1000;

export interface Bucket {
  /** Start of the bucket, ms on the experiment clock. */
  startMs: number;
  sent: number;
  available: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export function buckets(samples: readonly Sample[], window: FaultWindow, duringRule: AvailabilityRule, fromMs: number, toMs: number): Bucket[] {
  const count = Math.max(0, Math.ceil((toMs - fromMs) / BUCKET_MS));
  const groups: Sample[][] = Array.from({ length: count }, () => []);
  for (const s of samples) {
    const index = Math.floor((s.dueAt - fromMs) / BUCKET_MS);
    if (index >= 0 && index < count) groups[index]?.push(s);
  }
  return groups.map((group, index) => {
    const latency = summarizeLatencies(group.map((s) => s.latencyMs));
    const available = group.filter((s) => isAvailable(s, phaseOf(s.dueAt, window) === 'during' ? duringRule : { refusalIsCorrect: false })).length;
    return { startMs: fromMs + index * BUCKET_MS, sent: group.length, available, p50: latency.p50, p95: latency.p95, p99: latency.p99 };
  });
}
