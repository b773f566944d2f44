// The few control-plane calls bench/gateway.bench.ts makes beside the load: the simulator's fault
// API, stats and ledger, and each instance's GET /breakers. Plain fetch (its own connections, not
// the load generator's pool).
import { sleep } from '../bench-support';

export interface ServiceStats {
  requests: number;
  failed: number;
}

export interface LedgerEntry {
  idempotencyKey: string;
  chargeId: string;
  status: string;
}

async function call(method: string, url: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 200)}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

export async function setFault(sim: string, service: string, fault: Record<string, unknown>): Promise<void> {
  await call('PUT', `${sim}/_faults/${service}`, fault);
}

export async function clearFaults(sim: string): Promise<void> {
  await call('DELETE', `${sim}/_faults`);
}

export async function serviceStats(sim: string): Promise<Record<string, ServiceStats>> {
  return (await call('GET', `${sim}/_stats`)) as Record<string, ServiceStats>;
}

export async function ledger(sim: string): Promise<Record<string, LedgerEntry[]>> {
  return (await call('GET', `${sim}/_ledger`)) as Record<string, LedgerEntry[]>;
}

/** `name`'s breaker state on one instance (its own view, GET /breakers; no Redis round trip). */
export async function breakerState(instance: string, name: string): Promise<string> {
  const list = (await call('GET', `${instance}/breakers`)) as { name: string; state: string }[];
  return list.find((b) => b.name === name)?.state ?? 'MISSING';
}

export interface FleetWideState {
  /** performance.now() of the first poll round in which every instance reported the state. */
  at: number;
  polls: number;
}

/**
 * Polls every instance's breaker `name` every `intervalMs` until all report `state` (or one of
 * `states`); resolves undefined after `timeoutMs`. `stillWaiting` lets the caller give up early.
 */
export async function waitForFleetState(
  instances: readonly string[],
  name: string,
  states: readonly string[],
  intervalMs: number,
  timeoutMs: number,
): Promise<FleetWideState | undefined> {
  const deadline = performance.now() + timeoutMs;
  let polls = 0;
  while (performance.now() < deadline) {
    polls++;
    const seen = await Promise.all(instances.map((i) => breakerState(i, name).catch(() => 'UNREACHABLE')));
    if (seen.every((s) => states.includes(s))) return { at: performance.now(), polls };
    await sleep(intervalMs);
  }
  return undefined;
}

/** Jobs waiting or running per queue of the fleet (GET /queues through the load balancer). */
export async function queueBacklog(lb: string): Promise<Map<string, number>> {
  const { queues } = (await call('GET', `${lb}/queues`)) as { queues: { name: string; waiting: number; active: number }[] };
  return new Map(queues.map((q) => [q.name, q.waiting + q.active]));
}

export const totalOf = (counts: ReadonlyMap<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);
