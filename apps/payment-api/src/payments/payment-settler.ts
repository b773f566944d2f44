import { Logger } from '@nestjs/common';
import type { DegradationReport } from '../degradation/degradation';
import type { FraudVerdict } from '../fraud/fraud-check';
import type { ProviderName } from '../config/downstream-config';
import { describeError } from './error-message';
import { replay, type FlowResult } from './flow-result';
import type { HeldKey, IdempotencyKeys } from './idempotency-keys';
import { PaymentStatus, type PaymentAnswer } from './payment';
import type { PaymentStore, TransitionGuard } from './payment-store';
import type { UnsettledPayments } from './unsettled-payments';

/** A final status to record for a payment, and what its answer reports. */
export interface Settlement {
  status: PaymentStatus;
  provider: ProviderName | null;
  reason: string;
  /** Recorded with the status (fraud score and mode, provider, charge id); `degraded` is added. */
  fields: Record<string, string>;
  fraud: FraudVerdict;
  /** What this payment fell back on; the fleet's degraded downstreams are added. */
  degraded: readonly string[];
  guard?: TransitionGuard;
  /** The payment leaves the unsettled index with this change (its request's final status), not in a step of its own. */
  handOff?: boolean;
}

export interface PaymentSettlerDeps {
  store: PaymentStore;
  keys: IdempotencyKeys;
  unsettled: UnsettledPayments;
  degradation: () => DegradationReport;
}

/** The answer of a payment; `declineReason` is left out when there is none. */
export function paymentAnswer(a: PaymentAnswer): PaymentAnswer {
  const body: PaymentAnswer = { id: a.id, status: a.status, provider: a.provider, fraud: a.fraud, degraded: a.degraded, degradation: a.degradation };
  if (a.declineReason !== undefined) body.declineReason = a.declineReason;
  return body;
}

/**
 * The last steps of a payment, shared by a request processing it and a recovery: recording its
 * final status, settling the Idempotency-Key, and taking the payment off the unsettled index.
 * The follow-ups of every recorded change (audit export, notifications, reconciliation) are not
 * here: the script that records the change puts them in the payment outbox in the same step.
 */
export class PaymentSettler {
  // The flow's name: these lines were the flow's before they had a file of their own, and log searches use it.
  private readonly log = new Logger('PaymentFlow');

  constructor(private readonly d: PaymentSettlerDeps) {}

  /**
   * Records the status (with the answer's `degraded`, so a recovered answer is the same); its
   * follow-ups (a reconciliation for PENDING_REVIEW, notifications for AUTHORIZED, the audit
   * export) are in the outbox from the same step. Returns the payment's answer.
   */
  async settle(id: string, s: Settlement): Promise<PaymentAnswer> {
    // What this payment fell back on, and what the fleet reports degraded right now.
    const fleet = this.d.degradation();
    const all = [...new Set([...s.degraded, ...fleet.degraded])].sort();
    const guard: TransitionGuard = s.handOff === true ? { ...s.guard, handOffFrom: this.d.unsettled.shardKeyOf(id) } : (s.guard ?? {});
    await this.d.store.transition(id, s.status, { ...s.fields, degraded: JSON.stringify(all) }, s.reason, guard);
    const declineReason = s.status === PaymentStatus.DECLINED ? s.reason : undefined;
    return paymentAnswer({ id, status: s.status, provider: s.provider, fraud: s.fraud, degraded: all, degradation: fleet.level, declineReason });
  }

  /**
   * Stores `answer` (201) as the key's answer and returns it with `status`. If a recovery took
   * the key over meanwhile (this request was slow, not dead), the key is left as it is: when it
   * has its answer already, that answer is the one every request with the key gets, this one
   * included (a replay).
   */
  async completeKey(key: HeldKey, answer: PaymentAnswer, status: number): Promise<FlowResult> {
    const settled = await this.d.keys.complete(key, { status: 201, body: answer });
    if (settled.kind === 'settled') return { status, body: answer };
    this.log.warn(`payment ${key.paymentId}: its Idempotency-Key was taken over by a recovery meanwhile; the key keeps ${settled.kind === 'answered' ? 'the answer it has' : 'its new holder'}`);
    return settled.kind === 'answered' ? replay(settled.answer) : { status, body: answer };
  }

  /**
   * The payment is settled (or given back): it leaves the unsettled index. Best effort: an entry
   * left over only makes the sweeper look at the payment again, and find it settled.
   */
  async handedOff(id: string): Promise<void> {
    await this.d.unsettled.remove(id).catch((error: unknown) => this.log.warn(`payment ${id}: could not take it off the unsettled index (${describeError(error)}); the sweeper will look at it again`));
  }
}
