import type { ProviderName } from '../config/downstream-config';
import type { FraudVerdict } from '../fraud/fraud-check';
import type { HeldKey } from './idempotency-keys';
import type { PaymentRequest, PaymentStatus } from './payment';
import type { TransitionGuard } from './payment-store';
import type { Settlement } from './payment-settler';
import { fraudOf } from './recorded-payment';

/** How a request's payment ends: the status, and what to record with it beyond what the attempt knows. */
export interface FinalStatus {
  status: PaymentStatus;
  provider: ProviderName | null;
  reason: string;
  /** Recorded on top of the attempt's fields (provider, charge id). */
  fields?: Record<string, string>;
  guard?: TransitionGuard;
}

/**
 * One request's run of a payment (PaymentFlow.process), carried through every step: what it holds
 * (the key, the request, its deadline's signal), and what it has done so far, which is what
 * settling the payment records and what cleaning up after an error must undo.
 */
export class PaymentAttempt {
  /** For the payment's duration metric. */
  readonly startedAt = performance.now();
  /** The payment record was created by this run (nothing to clean up before that). */
  created = false;
  /** Providers this run recorded an attempt for, in order (the payment's `attempts`, as record-attempt last returned it). */
  attempts: string[] = [];
  /**
   * The provider that may have charged: its attempt was recorded and no "certainly not
   * processed" answer cleared it since. Undefined: nothing this run sent can have charged.
   */
  mayHaveCharged: ProviderName | undefined = undefined;
  fraud: FraudVerdict | undefined = undefined;
  /** What this payment fell back on so far (fraud rules, inventory, skipped providers). */
  readonly degraded: string[] = [];
  /** Fields to record with the final status (fraud score, mode). */
  fields: Record<string, string> = {};

  constructor(
    readonly key: HeldKey,
    readonly request: PaymentRequest,
    readonly signal: AbortSignal,
  ) {}

  get id(): string {
    return this.key.paymentId;
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** The fraud score is in: the answer reports it, every later record carries it. */
  scored(fraud: FraudVerdict): void {
    this.fraud = fraud;
    if (fraud.mode === 'rules') this.degraded.push('fraud');
    this.fields = { fraudScore: String(fraud.score), fraudMode: fraud.mode };
  }

  /** `end` with what this attempt knows: its fields, fraud result and fallbacks. */
  settlement(end: FinalStatus): Settlement {
    const { fields = {}, ...rest } = end;
    return { ...rest, fields: { ...this.fields, ...fields }, fraud: this.fraud ?? fraudOf(this.fields), degraded: this.degraded };
  }
}
