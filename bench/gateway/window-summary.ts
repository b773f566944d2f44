// One measured window of bench/gateway.bench.ts: which requests it holds, how many answers per
// status, the achieved rate and the latency percentiles.
import { fmt, percentile } from '../bench-support';
import type { Sample } from './open-loop';

export interface WindowSummary {
  label: string;
  targetRate: number;
  seconds: number;
  /** Requests due in the window. */
  requests: number;
  /** 2xx answers that arrived during the window, per second (from any request). */
  achieved: number;
  /** Share of the window's requests answered 2xx. */
  availability: number;
  /** `201`, `503 NO_PROVIDER_AVAILABLE`, `0 UND_ERR_HEADERS_TIMEOUT`, ... -> count, for the window's requests. */
  outcomes: Map<string, number>;
  /** 2xx answers per provider (`none` for a decline before the charge). */
  providers: Map<string, number>;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** How late the generator handed requests to the pool (the 99th percentile), ms. */
  generatorLagP99: number;
}

const isOk = (s: Sample): boolean => s.status >= 200 && s.status < 300;

/** Requests due in [from, to), answers arrived in [from, to); latency is due time to answer. */
export function summarise(label: string, targetRate: number, samples: readonly Sample[], from: number, to: number): WindowSummary {
  const mine = samples.filter((s) => s.dueAt >= from && s.dueAt < to);
  const seconds = (to - from) / 1000;
  const outcomes = new Map<string, number>();
  const providers = new Map<string, number>();
  for (const s of mine) {
    const key = isOk(s) ? `${s.status} ${s.paymentStatus ?? ''}`.trim() : `${s.status} ${s.error ?? ''}`.trim();
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    if (isOk(s)) providers.set(s.provider ?? 'none', (providers.get(s.provider ?? 'none') ?? 0) + 1);
  }
  const latencies = mine.map((s) => s.doneAt - s.dueAt);
  const okInWindow = samples.filter((s) => isOk(s) && s.doneAt >= from && s.doneAt < to).length;
  const empty = latencies.length === 0;
  return {
    label,
    targetRate,
    seconds,
    requests: mine.length,
    achieved: okInWindow / seconds,
    availability: empty ? 0 : mine.filter(isOk).length / mine.length,
    outcomes,
    providers,
    p50: empty ? NaN : percentile(latencies, 50),
    p95: empty ? NaN : percentile(latencies, 95),
    p99: empty ? NaN : percentile(latencies, 99),
    max: empty ? NaN : latencies.reduce((a, b) => Math.max(a, b), 0),
    generatorLagP99: empty ? NaN : percentile(mine.map((s) => s.sentAt - s.dueAt), 99),
  };
}

export const SUMMARY_HEADERS = ['phase', 'target/s', 'requests', '2xx/s achieved', '2xx share', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'gen. lag p99 ms', 'answers'] as const;

export function summaryRow(w: WindowSummary): string[] {
  const ms = (n: number): string => (Number.isNaN(n) ? '-' : fmt(n, n < 100 ? 1 : 0));
  return [
    w.label,
    fmt(w.targetRate),
    fmt(w.requests),
    fmt(w.achieved, 1),
    `${(w.availability * 100).toFixed(w.availability === 1 ? 0 : 3)}%`,
    ms(w.p50),
    ms(w.p95),
    ms(w.p99),
    ms(w.max),
    ms(w.generatorLagP99),
    describeCounts(w.outcomes),
  ];
}

export function describeCounts(counts: ReadonlyMap<string, number>): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}: ${fmt(n)}`)
    .join(', ');
}
