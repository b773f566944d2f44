// Open-loop load for bench/gateway.bench.ts: POST /payments at a fixed arrival rate, whatever the
// answers do. Request i is due at start + i / rate; a 1 ms timer issues every request that is due,
// so a late timer issues a burst instead of lowering the rate. Latency is measured from the due
// time, not from the moment the request was handed to the pool: time spent waiting for the
// generator or for a free connection is the system's latency too (no coordinated omission).
import { Pool } from 'undici';

const REQUEST_TIMEOUT_MS = 30_000;

export interface Sample {
  /** performance.now() when the request was due. */
  dueAt: number;
  /** When the generator handed it to the pool (dueAt plus the generator's lag). */
  sentAt: number;
  doneAt: number;
  /** HTTP status; 0 when no answer arrived (connection error, client timeout). */
  status: number;
  /** From a 2xx answer: the payment id and the provider that charged it. */
  id?: string;
  provider?: string | null;
  /** From a 2xx answer: AUTHORIZED, DECLINED or PENDING_REVIEW. */
  paymentStatus?: string;
  /** From a non-2xx answer or a client error: the `error` field or the error's code. */
  error?: string;
}

export interface PaymentLoadOptions {
  /** Load balancer base URL. */
  url: string;
  connections: number;
  /** customerId is `c-<n mod customers>`: spread wide enough that the fraud velocity rule never fires. */
  customers: number;
  /** Idempotency-Key prefix, unique per run. */
  keyPrefix: string;
}

export interface RunningLoad {
  readonly rate: number;
  readonly startedAt: number;
  /** Stops issuing and resolves with every sample once the requests in flight have ended. */
  stop(): Promise<Sample[]>;
}

interface PaymentAnswer {
  id?: unknown;
  provider?: unknown;
  status?: unknown;
  error?: unknown;
}

export class PaymentLoad {
  private readonly pool: Pool;
  private seq = 0;
  private readonly history: Sample[] = [];

  constructor(private readonly options: PaymentLoadOptions) {
    this.pool = new Pool(options.url, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 120_000,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
  }

  /** Starts issuing `rate` payments per second; `onSample` sees each one as it ends. */
  start(rate: number, onSample?: (sample: Sample) => void): RunningLoad {
    const samples: Sample[] = [];
    const inFlight = new Set<Promise<void>>();
    const startedAt = performance.now();
    let issued = 0;
    let running = true;
    let timer: NodeJS.Timeout | undefined;
    const tick = (): void => {
      if (!running) return;
      const now = performance.now();
      while (startedAt + (issued * 1000) / rate <= now) {
        const dueAt = startedAt + (issued * 1000) / rate;
        issued++;
        const p = this.send(dueAt).then((sample) => {
          samples.push(sample);
          this.history.push(sample);
          onSample?.(sample);
        });
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      timer = setTimeout(tick, 1);
    };
    tick();
    return {
      rate,
      startedAt,
      stop: async () => {
        running = false;
        clearTimeout(timer);
        await Promise.all([...inFlight]);
        return samples;
      },
    };
  }

  /** Every sample of every run so far. */
  samples(): readonly Sample[] {
    return this.history;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async send(dueAt: number): Promise<Sample> {
    const n = this.seq++;
    const body = JSON.stringify({
      amount: 1299,
      currency: 'EUR',
      customerId: `c-${n % this.options.customers}`,
      items: [{ sku: 'sku-1', qty: 1 }],
      paymentMethod: { type: 'card', token: 'tok_visa' },
      // A buyer of their own per payment: one address would hit NOTIFY_RATE_LIMIT (10 an hour) at once.
      notify: { email: `p${n}@example.com` },
    });
    const sentAt = performance.now();
    try {
      const response = await this.pool.request({
        path: '/payments',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `${this.options.keyPrefix}${n}` },
        body,
      });
      const text = await response.body.text();
      const doneAt = performance.now();
      const status = response.statusCode;
      const answer = parseAnswer(text);
      if (status >= 200 && status < 300) {
        return {
          dueAt,
          sentAt,
          doneAt,
          status,
          id: typeof answer.id === 'string' ? answer.id : undefined,
          provider: typeof answer.provider === 'string' ? answer.provider : null,
          paymentStatus: typeof answer.status === 'string' ? answer.status : undefined,
        };
      }
      return { dueAt, sentAt, doneAt, status, error: typeof answer.error === 'string' ? answer.error : `HTTP ${status}` };
    } catch (error) {
      const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : String(error);
      return { dueAt, sentAt, doneAt: performance.now(), status: 0, error: code };
    }
  }
}

function parseAnswer(text: string): PaymentAnswer {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as PaymentAnswer) : {};
  } catch {
    return {};
  }
}
