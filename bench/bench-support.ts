// Small helpers for bench/breaker.bench.ts: statistics, Redis command counting, formatting.
import type Redis from 'ioredis';
import type { Command } from 'ioredis';
import { createCoordinationRedis, type RedisConnection } from '@breakwater/redis-store';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** `cmdstat_<name>:calls=N,...` from `INFO commandstats`, as name -> calls. */
export async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const text = await redis.info('commandstats');
  const stats = new Map<string, number>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (m) stats.set(m[1], Number(m[2]));
  }
  return stats;
}

export function statsDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [name, calls] of after) {
    const d = calls - (before.get(name) ?? 0);
    if (d > 0) delta.set(name, d);
  }
  return delta;
}

export interface SentCommand {
  name: string;
  args: unknown[];
  sentAt: number;
  /** Resolves with the raw reply (undefined on error). */
  reply: Promise<unknown>;
}

/** What watchCommands needs of a connection: one server's and a Cluster client's sendCommand alike. */
type SendsCommands = { sendCommand(command: Command, ...rest: never[]): unknown };

/**
 * Counts (and optionally reports) every command an ioredis connection sends, by wrapping the
 * instance's `sendCommand` (which scripts defined with `defineCommand` also go through). On a
 * Cluster client it is the client's own, which routes to a node: each command is counted once.
 */
export function watchCommands(redis: RedisConnection, onSend?: (cmd: SentCommand) => void): Map<string, number> {
  const counts = new Map<string, number>();
  const target = redis as unknown as SendsCommands;
  const original = target.sendCommand.bind(target) as (command: Command, ...rest: unknown[]) => unknown;
  const wrapped = (command: Command, ...rest: unknown[]): unknown => {
    counts.set(command.name, (counts.get(command.name) ?? 0) + 1);
    const result = original(command, ...rest);
    if (onSend !== undefined) {
      onSend({
        name: command.name,
        args: command.args,
        sentAt: performance.now(),
        reply: command.promise.then(
          (r) => r,
          () => undefined,
        ),
      });
    }
    return result;
  };
  target.sendCommand = wrapped;
  return counts;
}

export const sum = (m: Map<string, number>, filter: (name: string) => boolean = () => true): number =>
  [...m].reduce((acc, [name, n]) => (filter(name) ? acc + n : acc), 0);

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** ns per call, one call awaited at a time. */
export async function sequentialNsPerCall(call: () => Promise<unknown>, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await call();
  return ((performance.now() - start) * 1e6) / n;
}

/** ns per call, `width` calls in flight (Promise.all batches). */
export async function concurrentNsPerCall(call: () => Promise<unknown>, n: number, width: number): Promise<number> {
  const batch: Promise<unknown>[] = new Array(width);
  const batches = Math.ceil(n / width);
  const start = performance.now();
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < width; i++) batch[i] = call();
    await Promise.all(batch);
  }
  return ((performance.now() - start) * 1e6) / (batches * width);
}

/** A coordination connection that has connected (a fleet made before that starts in local mode). */
export async function connect(url: string, overrides: Parameters<typeof createCoordinationRedis>[1] = {}): Promise<Redis> {
  const redis = createCoordinationRedis(url, overrides);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`could not connect to ${url}`)), 5_000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return redis;
}

/** Deletes every key under `prefix` (the run's own), and says how many there were. */
export async function deleteKeys(prefix: string, url: string): Promise<number> {
  const redis = await connect(url, { commandTimeout: 5_000 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/**
 * Like concurrentNsPerCall, and also the process's CPU time (user + system) per call. On a shared
 * machine wall time counts the time this process waited for a core; CPU time counts only the work.
 */
export async function concurrentCostPerCall(call: () => Promise<unknown>, n: number, width: number): Promise<{ wallNs: number; cpuNs: number }> {
  const cpuBefore = process.cpuUsage();
  const wallNs = await concurrentNsPerCall(call, n, width);
  const cpu = process.cpuUsage(cpuBefore);
  const calls = Math.ceil(n / width) * width;
  return { wallNs, cpuNs: ((cpu.user + cpu.system) * 1e3) / calls };
}
