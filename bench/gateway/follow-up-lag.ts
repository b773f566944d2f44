// The follow-up backlog of a fleet, sampled once a second: the audit export and the email
// notifications that are still to be done. For Breakwater: jobs waiting, active or delayed in
// `audit-export` and `notify-email` (GET /queues) plus outbox entries their consumer groups have
// not turned into jobs yet (`audit-export`, `notifications`); for the bare gateway, the lines
// and notifications its instances hold in memory (its GET /queues). Both fleets answer GET
// /queues through nginx, which picks one instance: the counts of the bare gateway are that
// instance's only (a lower bound), Breakwater's are fleet-wide (they live in Redis).
import { sleep } from '../bench-support';
import type { RedisProbe } from './redis-probe';

export interface Backlog {
  audit: number;
  notify: number;
}

export interface LagSummary {
  /** Largest backlog seen while the load ran. */
  maxDuring: Backlog;
  /** When the load stopped. */
  atEnd: Backlog;
  /** `tailMs` after the load stopped. */
  afterTail: Backlog;
  /** ms after the load stopped until both backlogs were under CAUGHT_UP; undefined if not within the tail. */
  caughtUpMs?: number;
}

/** A backlog this small counts as caught up (jobs in flight at any instant). */
export const CAUGHT_UP = 50;

interface QueueRow {
  name: string;
  waiting: number;
  active: number;
  delayed?: number;
}

export async function readBacklog(lb: string, redis: RedisProbe): Promise<Backlog> {
  const response = await fetch(`${lb}/queues`, { signal: AbortSignal.timeout(5_000) });
  const { queues } = (await response.json()) as { queues: QueueRow[] };
  const depth = (name: string): number => {
    const q = queues.find((row) => row.name === name);
    return q === undefined ? 0 : q.waiting + q.active + (q.delayed ?? 0);
  };
  const outbox = await redis.outboxLag();
  return { audit: depth('audit-export') + (outbox.byGroup.get('audit-export') ?? 0), notify: depth('notify-email') + (outbox.byGroup.get('notifications') ?? 0) };
}

/** Samples the backlog every second until `stop` resolves; resolves with the largest seen. */
export async function sampleWhile(lb: string, redis: RedisProbe, until: () => boolean): Promise<Backlog> {
  const max: Backlog = { audit: 0, notify: 0 };
  while (!until()) {
    const b = await readBacklog(lb, redis).catch(() => undefined);
    if (b !== undefined) {
      max.audit = Math.max(max.audit, b.audit);
      max.notify = Math.max(max.notify, b.notify);
    }
    await sleep(1_000);
  }
  return max;
}

/** After the load stopped: the backlog now, then every second for `tailMs`. */
export async function tail(lb: string, redis: RedisProbe, tailMs: number): Promise<Omit<LagSummary, 'maxDuring'>> {
  const stoppedAt = performance.now();
  const atEnd = await readBacklog(lb, redis);
  let last = atEnd;
  let caughtUpMs: number | undefined;
  for (;;) {
    if (caughtUpMs === undefined && last.audit < CAUGHT_UP && last.notify < CAUGHT_UP) caughtUpMs = performance.now() - stoppedAt;
    if (performance.now() - stoppedAt >= tailMs) break;
    await sleep(1_000);
    last = await readBacklog(lb, redis).catch(() => last);
  }
  return { atEnd, afterTail: last, caughtUpMs };
}
