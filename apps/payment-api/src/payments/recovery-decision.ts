import { PROVIDERS, type ProviderName } from '../config/downstream-config';
import { PaymentStatus } from './payment';
import { attemptsOf, attemptsTracked, type StoredPayment } from './payment-store';

type Settled = typeof PaymentStatus.AUTHORIZED | typeof PaymentStatus.DECLINED | typeof PaymentStatus.PENDING_REVIEW;

/**
 * What recovering a payment whose request died means, decided from its record alone
 * (docs/payment-gateway.md, "Recovery of a dead request"). A request with the payment's key
 * (PaymentRecovery.recover) and the abandoned-payment sweeper carry it out, each in its own way.
 */
export type RecoveryAction =
  /** No record: the request died before recording it, and nothing was sent (the record comes first). */
  | { kind: 'process-anew' }
  /** The record cannot say whether a charge was sent: an operator must look. */
  | { kind: 'needs-operator'; reason: string }
  /** RECEIVED with no provider attempt: nothing was charged. FAILED, if the attempts are still none. */
  | { kind: 'fail-abandoned'; ifAttempts: readonly string[] }
  /**
   * RECEIVED with attempts: the last one may have charged (a request moves on only after a certain
   * "not processed"). PENDING_REVIEW with that provider, if the attempts are still these.
   */
  | { kind: 'pending-review'; provider: ProviderName; ifAttempts: readonly string[] }
  /** FAILED: nothing was charged; the key should have been given back. */
  | { kind: 'give-back' }
  /** The request died between its status change and settling its key: the answer is rebuilt from the record (its follow-ups came with the change, from the outbox). */
  | { kind: 'answer-from-record'; status: Settled; provider: ProviderName | null };

export const isProvider = (name: string): name is ProviderName => (PROVIDERS as readonly string[]).includes(name);

export function recoveryAction(payment: StoredPayment | undefined): RecoveryAction {
  if (payment === undefined) return { kind: 'process-anew' };
  const f = payment.fields;
  switch (f.status) {
    case PaymentStatus.RECEIVED: {
      if (!attemptsTracked(f)) return { kind: 'needs-operator', reason: 'its record predates attempt tracking: whether a charge was sent is unknown' };
      const attempts = attemptsOf(f);
      const provider = attempts.at(-1);
      if (provider === undefined) return { kind: 'fail-abandoned', ifAttempts: [] };
      if (!isProvider(provider)) return { kind: 'needs-operator', reason: `it records an attempt at an unknown provider ${provider}` };
      return { kind: 'pending-review', provider, ifAttempts: attempts };
    }
    case PaymentStatus.FAILED:
      return { kind: 'give-back' };
    case PaymentStatus.AUTHORIZED:
    case PaymentStatus.DECLINED:
    case PaymentStatus.PENDING_REVIEW:
      return { kind: 'answer-from-record', status: f.status, provider: f.provider !== undefined && isProvider(f.provider) ? f.provider : null };
    default:
      throw new Error(`payment ${f.id ?? '?'} has an unknown status ${String(f.status)}`);
  }
}
