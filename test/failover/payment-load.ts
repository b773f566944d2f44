// Payments at a steady rate through the load balancer, each retried with its own Idempotency-Key
// as a client would (after Retry-After) until it is answered, and every answer kept for the checks.
import { randomUUID } from 'node:crypto';

/** A POST /payments answer as the client saw it; status 0: no HTTP answer at all. */
export interface Answer {
  status: number;
  retryAfter: string | null;
  error?: string;
  at: number;
  retry: boolean;
}

export interface PaymentRun {
  key: string;
  /** Unique per payment: the ledger's charges are told apart by it. */
  amount: number;
  startedAt: number;
  answers: Answer[];
  /** The 201/200 answer's payment, once acknowledged. */
  acknowledged?: { id: string; status: string };
}

const FIRST_AMOUNT = 10_000;
const REQUEST_TIMEOUT_MS = 15_000;
const MAX_RETRY_WAIT_MS = 1_000;
/** A payment still not acknowledged after this is left as it is (the checks say so). */
const GIVE_UP_AFTER_MS = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class PaymentLoad {
  readonly runs: PaymentRun[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly lb: string,
    private readonly perSecond: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.launch(), 1_000 / this.perSecond);
  }

  /** How many of the latest payments, in a row, were answered 201 on their first try. */
  firstTriesTakenInARow(): number {
    let count = 0;
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const first = this.runs[i].answers[0];
      if (first === undefined) continue;
      if (first.status !== 201) break;
      count++;
    }
    return count;
  }

  /** Stops starting payments and waits until every one started is answered or given up. */
  async finish(): Promise<void> {
    clearInterval(this.timer);
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private launch(): void {
    const i = this.runs.length;
    const run: PaymentRun = { key: randomUUID(), amount: FIRST_AMOUNT + i, startedAt: Date.now(), answers: [] };
    this.runs.push(run);
    const done = this.pay(run, i).finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  private async pay(run: PaymentRun, i: number): Promise<void> {
    const body = JSON.stringify({
      amount: run.amount,
      currency: 'EUR',
      // One customer and address per payment: no fraud velocity or notification limit in play.
      customerId: `failover-${i}`,
      items: [{ sku: 'sku-1', qty: 1 }],
      paymentMethod: { type: 'card', token: 'tok_visa' },
      notify: { email: `failover-${i}@example.test` },
    });
    while (Date.now() - run.startedAt < GIVE_UP_AFTER_MS) {
      const answer = await this.post(run, body);
      run.answers.push(answer);
      if (answer.status === 201 || answer.status === 200) return;
      if (answer.retryAfter === null) return; // not a clean refusal: the checks report it
      await sleep(Math.min(Number(answer.retryAfter) * 1000, MAX_RETRY_WAIT_MS));
    }
  }

  private async post(run: PaymentRun, body: string): Promise<Answer> {
    const at = Date.now();
    const retry = run.answers.length > 0;
    try {
      const res = await fetch(`${this.lb}/payments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Idempotency-Key': run.key },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const json = (await res.json().catch(() => ({}))) as { id?: string; status?: string; error?: string };
      const answer: Answer = { status: res.status, retryAfter: res.headers.get('retry-after'), error: json.error, at, retry };
      if ((res.status === 201 || res.status === 200) && json.id !== undefined && json.status !== undefined) {
        run.acknowledged = { id: json.id, status: json.status };
      }
      return answer;
    } catch (error) {
      return { status: 0, retryAfter: null, error: String(error), at, retry };
    }
  }
}
