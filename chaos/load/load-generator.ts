// Open-model load: POST /payments at a fixed arrival rate for a fixed time (schedule.ts), each with
// its own Idempotency-Key, against 127.0.0.1 only. It stops by itself when the schedule ends (or
// at stop()), then waits for the requests in flight, each bounded by a client timeout.
import { Pool } from 'undici';
import { arrivalsDueBy, checkSchedule, dueOffsetMs, totalArrivals, type ArrivalSchedule } from './schedule';
import type { Sample } from './sample';
import { paymentBody } from './payment-body';
import { assertLoopback } from '../infra/loopback';

/** Above nginx's proxy_read_timeout (10 s): an answer that never comes is nginx's to end first. */
const CLIENT_TIMEOUT_MS = 15_000;
const TICK_MS = 2;

export interface LoadOptions extends ArrivalSchedule {
  url: string;
  /** Idempotency-Key prefix, unique per run. */
  keyPrefix: string;
  connections: number;
  /** The experiment's clock: ms since it began. */
  now: () => number;
  onSample?: (sample: Sample) => void;
}

interface PaymentAnswer {
  id?: unknown;
  status?: unknown;
  provider?: unknown;
  error?: unknown;
}

export class OpenModelLoad {
  private readonly pool: Pool;
  private readonly samples: Sample[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private issued = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private finished: Promise<Sample[]> | undefined;
  private endSchedule: () => void = () => undefined;

  constructor(private readonly options: LoadOptions) {
    checkSchedule(options);
    assertLoopback(options.url);
    this.pool = new Pool(options.url, { connections: options.connections, pipelining: 1, headersTimeout: CLIENT_TIMEOUT_MS, bodyTimeout: CLIENT_TIMEOUT_MS });
  }

  get sent(): number {
    return this.issued;
  }

  get answered(): readonly Sample[] {
    return this.samples;
  }

  /** Starts the schedule; resolves with every sample once it ended (or stop()) and nothing is in flight. */
  run(): Promise<Sample[]> {
    this.startedAt = this.options.now();
    const scheduleEnded = new Promise<void>((resolve) => (this.endSchedule = resolve));
    const total = totalArrivals(this.options);
    const tick = (): void => {
      const due = this.stopped ? this.issued : arrivalsDueBy(this.options, this.options.now() - this.startedAt);
      while (this.issued < due) this.issue(this.startedAt + dueOffsetMs(this.options, this.issued));
      if (this.stopped || this.issued >= total) this.endSchedule();
      else this.timer = setTimeout(tick, TICK_MS);
    };
    tick();
    this.finished = (async () => {
      await scheduleEnded;
      while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
      await this.pool.close();
      return this.samples;
    })();
    return this.finished;
  }

  /** Ends the schedule early (an abort): no new request; those in flight finish. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    // The cleared tick would have ended the schedule: end it here, or run() never resolves.
    this.endSchedule();
  }

  private issue(dueAt: number): void {
    const seq = this.issued++;
    const request = this.send(seq, dueAt).then((sample) => {
      this.samples.push(sample);
      this.options.onSample?.(sample);
    });
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request));
  }

  private async send(seq: number, dueAt: number): Promise<Sample> {
    const idempotencyKey = `${this.options.keyPrefix}${seq}`;
    const sentAt = this.options.now();
    const base = { seq, idempotencyKey, dueAt, sentAt };
    try {
      const response = await this.pool.request({
        path: '/payments',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify(paymentBody(seq)),
      });
      const text = await response.body.text();
      const doneAt = this.options.now();
      const status = response.statusCode;
      const answer = parseAnswer(text);
      const retryAfter = response.headers['retry-after'];
      const sample: Sample = { ...base, doneAt, latencyMs: doneAt - dueAt, status };
      if (typeof retryAfter === 'string') sample.retryAfter = retryAfter;
      if (status >= 200 && status < 300) {
        if (typeof answer.id === 'string') sample.paymentId = answer.id;
        if (typeof answer.status === 'string') sample.paymentStatus = answer.status;
        if (typeof answer.provider === 'string') sample.provider = answer.provider;
      } else {
        sample.error = typeof answer.error === 'string' ? answer.error : `HTTP ${status}`;
      }
      return sample;
    } catch (error) {
      const doneAt = this.options.now();
      return { ...base, doneAt, latencyMs: doneAt - dueAt, status: 0, error: errorCode(error) };
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

function errorCode(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : String(error);
}
