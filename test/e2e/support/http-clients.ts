// Plain-fetch clients for the end-to-end scenarios: the payment API of one instance, and the
// simulator's fault, ledger, stats and deliveries endpoints. Shapes are the contract's
// (architecture.md section 4, docs/payment-gateway.md, apps/downstream-sim/README.md).
import { randomUUID } from 'node:crypto';
import type { QueueCounts } from '../../../apps/payment-api/src/jobs/bull-jobs';

export type PaymentStatusName = 'RECEIVED' | 'AUTHORIZED' | 'DECLINED' | 'PENDING_REVIEW' | 'FAILED';
export type ProviderName = 'provider-a' | 'provider-b' | 'provider-c';
export type ServiceName = ProviderName | 'inventory' | 'fraud' | 'notify-email' | 'notify-sms' | 'notify-push';
export const PROVIDERS: readonly ProviderName[] = ['provider-a', 'provider-b', 'provider-c'];

export interface PaymentBody {
  amount: number;
  currency: string;
  customerId: string;
  items: { sku: string; qty: number }[];
  paymentMethod: { type: 'card'; token: string };
  notify?: { email?: string; sms?: string; push?: string };
}

/** The answer of POST /payments (201 or replayed 200). */
export interface PaymentAnswer {
  id: string;
  status: PaymentStatusName;
  provider: ProviderName | null;
  fraud: { score: number; mode: 'service' | 'rules' };
  degraded: string[];
  degradation?: string;
  declineReason?: string;
}

/** 4xx / 5xx answers. */
export interface ErrorAnswer {
  error: string;
  message?: string;
  fields?: { field: string; message: string }[];
  id?: string;
  paymentId?: string;
}

/** GET /payments/:id */
export interface PaymentRecord {
  id: string;
  status: PaymentStatusName;
  amount: number;
  currency: string;
  provider: ProviderName | null;
  fraud: { score: number; mode: 'service' | 'rules' } | null;
  history: { status: PaymentStatusName; at: number; reason?: string }[];
}

export interface AuditEntry {
  id: string;
  paymentId: string;
  type: string;
  status: PaymentStatusName;
  at: number;
  reason?: string;
  data: Record<string, string>;
}

export interface BreakerView {
  name: string;
  state: string;
  calls: number;
  failures: number;
  version: number;
  retryAfterMs: number;
  minimumCalls: number;
  mode: string;
}

export interface DegradationView {
  level: 'NORMAL' | 'DEGRADED' | 'CRITICAL';
  degraded: string[];
  mode: string;
}

/** One queue as GET /queues shows it. */
export type QueueView = QueueCounts;

export interface Reply<T> {
  status: number;
  body: T;
  headers: Headers;
  /** Wall time of the round trip. */
  ms: number;
}

/** A valid payment request; `overrides` replace whole fields. */
export function paymentBody(overrides: Partial<PaymentBody> = {}): PaymentBody {
  return {
    amount: 1299,
    currency: 'EUR',
    customerId: `c-${randomUUID().slice(0, 8)}`,
    items: [{ sku: 'sku-1', qty: 1 }],
    paymentMethod: { type: 'card', token: 'tok_visa' },
    ...overrides,
  };
}

export const newKey = (): string => `key-${randomUUID()}`;

async function send<T>(method: string, url: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
  const started = performance.now();
  const response = await fetch(url, { method, headers: init.headers, body: init.body });
  const text = await response.text();
  const ms = performance.now() - started;
  let body: unknown;
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, body: body as T, headers: response.headers, ms };
}

export function getJson<T>(url: string): Promise<Reply<T>> {
  return send<T>('GET', url);
}

export interface PostPaymentOptions {
  /** The Idempotency-Key; `null` sends none. Default: a fresh key. */
  key?: string | null;
  /** Send this text as the body instead of JSON.stringify(body). */
  raw?: string;
  contentType?: string;
}

/** POST /payments on one instance. */
export function postPayment(apiUrl: string, body: unknown, options: PostPaymentOptions = {}): Promise<Reply<PaymentAnswer & ErrorAnswer>> {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  const key = options.key === undefined ? newKey() : options.key;
  if (key !== null) headers['idempotency-key'] = key;
  return send('POST', `${apiUrl}/payments`, { headers, body: options.raw ?? JSON.stringify(body) });
}

/** POST /payments that must succeed with 201: returns the answer. */
export async function pay(apiUrl: string, body: PaymentBody = paymentBody(), key = newKey()): Promise<PaymentAnswer & { ms: number }> {
  const reply = await postPayment(apiUrl, body, { key });
  if (reply.status !== 201) throw new Error(`POST ${apiUrl}/payments answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return { ...reply.body, ms: reply.ms };
}

export async function getPayment(apiUrl: string, id: string): Promise<PaymentRecord> {
  const reply = await getJson<PaymentRecord>(`${apiUrl}/payments/${id}`);
  if (reply.status !== 200) throw new Error(`GET /payments/${id} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

export async function breakers(apiUrl: string): Promise<BreakerView[]> {
  return (await getJson<BreakerView[]>(`${apiUrl}/breakers`)).body;
}

export async function breakerState(apiUrl: string, name: string): Promise<string | undefined> {
  return (await breakers(apiUrl)).find((b) => b.name === name)?.state;
}

export async function degradation(apiUrl: string): Promise<DegradationView> {
  return (await getJson<DegradationView>(`${apiUrl}/degradation`)).body;
}

export async function queue(apiUrl: string, name: string): Promise<QueueView> {
  const reply = await getJson<{ queues: QueueView[] }>(`${apiUrl}/queues`);
  const found = reply.body.queues.find((q) => q.name === name);
  if (found === undefined) throw new Error(`GET /queues has no ${name}: ${JSON.stringify(reply.body)}`);
  return found;
}

/** POST an admin endpoint; `token` undefined sends no Authorization header. */
export function postAdmin<T = unknown>(apiUrl: string, path: string, token?: string): Promise<Reply<T>> {
  return send<T>('POST', `${apiUrl}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
}

// --- the simulator -------------------------------------------------------------------------

export interface Fault {
  mode?: 'up' | 'down' | 'hang' | 'flap';
  errorRate?: number;
  latencyMs?: number;
  jitterMs?: number;
}

export interface LedgerEntry {
  idempotencyKey: string;
  chargeId: string;
  amount: number;
  currency: string;
  status: string;
  at: string;
}

export type Ledger = Record<ProviderName, LedgerEntry[]>;
export type Stats = Record<ServiceName, { requests: number; failed: number }>;
export interface Delivery {
  idempotencyKey: string;
  at: string;
  message: Record<string, unknown>;
}

/** The simulator's test-only admin API. */
export class SimulatorClient {
  constructor(readonly url: string) {}

  async fault(service: ServiceName, fault: Fault): Promise<void> {
    const reply = await send('PUT', `${this.url}/_faults/${service}`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
    if (reply.status !== 200) throw new Error(`PUT /_faults/${service}: ${reply.status} ${JSON.stringify(reply.body)}`);
  }

  async clearFaults(): Promise<void> {
    const reply = await send('DELETE', `${this.url}/_faults`);
    if (reply.status >= 300) throw new Error(`DELETE /_faults: ${reply.status}`);
  }

  async ledger(): Promise<Ledger> {
    return (await getJson<Ledger>(`${this.url}/_ledger`)).body;
  }

  async stats(): Promise<Stats> {
    return (await getJson<Stats>(`${this.url}/_stats`)).body;
  }

  async requests(service: ServiceName): Promise<number> {
    return (await this.stats())[service].requests;
  }

  async deliveries(service: 'notify-email' | 'notify-sms' | 'notify-push'): Promise<Delivery[]> {
    return (await getJson<Record<string, Delivery[]>>(`${this.url}/_deliveries`)).body[service] ?? [];
  }

  /** For each payment id: the providers whose ledger holds a charge under it (one entry per charge). */
  async chargesOf(ids: readonly string[]): Promise<Map<string, ProviderName[]>> {
    const ledger = await this.ledger();
    const charges = new Map<string, ProviderName[]>(ids.map((id) => [id, []]));
    for (const provider of PROVIDERS) {
      for (const entry of ledger[provider] ?? []) charges.get(entry.idempotencyKey)?.push(provider);
    }
    return charges;
  }
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
