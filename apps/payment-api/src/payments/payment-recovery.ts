import { Logger } from '@nestjs/common';
import type { DegradationReport } from '../degradation/degradation';
import { retryAfter, type FlowResult } from './flow-result';
import type { HeldKey, IdempotencyKeys } from './idempotency-keys';
import { PaymentStatus, type PaymentAnswer, type PaymentRequest } from './payment';
import { paymentAnswer, type PaymentSettler } from './payment-settler';
import { PaymentAttemptsChangedError, PaymentTransitionError, type PaymentStore, type StoredPayment } from './payment-store';
import { recoveryAction, type RecoveryAction } from './recovery-decision';
import { fraudOf, recordedDegraded } from './recorded-payment';

/** A recovery that keeps finding the payment changed under it gives up (503) after this many looks. */
export const MAX_RECOVERY_ROUNDS = 5;

export interface PaymentRecoveryDeps {
  store: PaymentStore;
  keys: IdempotencyKeys;
  settler: PaymentSettler;
  leaseMs: number;
  degradation: () => DegradationReport;
  /** Processes the payment from the start (PaymentFlow.process), for a payment with no record. */
  processAnew: (key: HeldKey, request: PaymentRequest, signal: AbortSignal) => Promise<FlowResult>;
}

type PendingReview = Extract<RecoveryAction, { kind: 'pending-review' }>;

/**
 * Carries out the recovery decision (recoveryAction, recovery-decision.ts) for a payment whose
 * request died: for the next request with its key (recover) and for the abandoned-payment sweeper
 * (recoverAbandoned).
 */
export class PaymentRecovery {
  // The flow's name: recovery was the flow's before it had a file of its own, and log searches use it.
  private readonly log = new Logger('PaymentFlow');

  constructor(private readonly d: PaymentRecoveryDeps) {}

  /**
   * A key left pending by a request that died (its lease expired; we hold it now). What to do is
   * decided from the payment record (recoveryAction, recovery-decision.ts):
   *   (a) no record: nothing was sent (the record is written before any provider is asked):
   *       process the payment anew, under the same payment id;
   *   (b) RECEIVED, no provider attempt recorded: nothing was charged: FAILED, the key given back,
   *       and the caller claims it again (a fresh payment);
   *   (c) RECEIVED with attempts: the last one may have charged (the flow only moves on after a
   *       certain "not processed"): PENDING_REVIEW with that provider, reconciled by a job, the
   *       key completed with that answer (201: the first answer this key gets);
   *   (d) AUTHORIZED, DECLINED or PENDING_REVIEW: the request died between its status change and
   *       settling the key: the answer is rebuilt from the record and the key completed: 200 (the
   *       change's follow-ups, reconcile and notifications, came with it from the outbox);
   *   FAILED: nothing was charged and the key should have been given back: it is, and the caller
   *       claims it again.
   * The guarded transitions (`ifAttempts`) make (b) and (c) safe against a request that is slow
   * rather than dead: they fail if it recorded an attempt meanwhile, and once the payment left
   * RECEIVED that request can record (and so send) nothing more.
   */
  async recover(key: HeldKey, r: PaymentRequest, signal: AbortSignal): Promise<FlowResult | 'claim-again'> {
    const id = key.paymentId;
    const { settler } = this.d;
    for (let round = 1; ; round++) {
      const payment = await this.d.store.get(id);
      const action = recoveryAction(payment);
      try {
        switch (action.kind) {
          case 'process-anew':
            if (signal.aborted) {
              // No budget left to process it: the key stays ours until our lease expires, and the
              // next request with it after that recovers it (giving it back could let a request that
              // is slow rather than dead make a second payment under another id).
              return { status: 409, body: { error: 'IDEMPOTENCY_KEY_IN_USE', message: 'a request with this Idempotency-Key is being recovered', paymentId: id }, retryAfterS: retryAfter(this.d.leaseMs) };
            }
            this.log.warn(`payment ${id}: its request died before recording it; processing it again under the same id`);
            // Not awaited here: its errors are its own (afterError), not a change under this recovery.
            return this.d.processAnew(key, r, signal);
          case 'needs-operator':
            this.log.error(`payment ${id}: its request died and ${action.reason}; it needs an operator`);
            return { status: 409, body: { error: 'IDEMPOTENCY_KEY_IN_USE', message: 'this payment needs manual review', paymentId: id }, retryAfterS: retryAfter(this.d.leaseMs) };
          case 'fail-abandoned':
            this.log.warn(`payment ${id}: its request died before any charge was sent; FAILED, the key is given back`);
            await this.failAbandoned(id, action.ifAttempts);
            await this.d.keys.release(key);
            await settler.handedOff(id);
            return 'claim-again';
          case 'pending-review': {
            const answer = await this.pendingReviewAbandoned(id, action, payment?.fields ?? {});
            const result = await settler.completeKey(key, answer, 201);
            await settler.handedOff(id);
            return result;
          }
          case 'give-back':
            await this.d.keys.release(key);
            await settler.handedOff(id);
            return 'claim-again';
          case 'answer-from-record': {
            const f = payment?.fields ?? {};
            const { status, provider } = action;
            const declineReason = status === PaymentStatus.DECLINED ? payment?.history.filter((h) => h.status === status).at(-1)?.reason : undefined;
            const answer = paymentAnswer({ id, status, provider, fraud: fraudOf(f), degraded: recordedDegraded(f), degradation: this.d.degradation().level, declineReason });
            const result = await settler.completeKey(key, answer, 200);
            await settler.handedOff(id);
            return result;
          }
        }
      } catch (error) {
        // Changed under us (a slow request recorded an attempt or a status): look again.
        if (round < MAX_RECOVERY_ROUNDS && (error instanceof PaymentAttemptsChangedError || error instanceof PaymentTransitionError)) continue;
        throw error;
      }
    }
  }

  /**
   * Recovers a payment whose request died and whose client may never come back (the
   * abandoned-payment sweeper, abandoned-payment-sweeper.ts), by the same decision as recover() but
   * with no key and no one to answer: (b) FAILED, (c) PENDING_REVIEW with its reconcile job,
   * (d) nothing more than taking it off the index (its follow-ups came from the outbox), and nothing for (a) and
   * FAILED (nothing was sent; a client that comes back later gets a fresh payment). The key is
   * left as it is: if its client comes back after the lease, recover() finds the payment settled
   * and answers from the record. Throws when a step fails (the sweeper tries again later).
   * Returns what it did, for the log.
   *
   * It acts on `seen`, the record as the sweeper read it and found untouched for a lease (undefined:
   * there was none), never on a later read: its moves happen only if the record is still that one
   * (`ifUnchanged`, else PaymentChangedError, PaymentAttemptsChangedError or PaymentTransitionError:
   * someone is working on the payment, a client's retry perhaps, and the sweeper leaves it), and
   * no record seen means nothing to do even if one exists by now (a retry processing it anew).
   */
  async recoverAbandoned(id: string, seen: StoredPayment | undefined): Promise<string> {
    const action = recoveryAction(seen);
    const f = seen?.fields ?? {};
    switch (action.kind) {
      case 'process-anew':
        return 'no record: nothing was sent';
      case 'needs-operator':
        this.log.error(`payment ${id}: its request died and ${action.reason}; it needs an operator`);
        return `left RECEIVED: ${action.reason}`;
      case 'fail-abandoned':
        await this.failAbandoned(id, action.ifAttempts, f);
        return 'FAILED: abandoned before any charge was sent';
      case 'pending-review':
        await this.pendingReviewAbandoned(id, action, f, f);
        return `PENDING_REVIEW, reconciling with ${action.provider}`;
      case 'give-back':
        return 'FAILED already';
      case 'answer-from-record':
        // Its follow-ups came with the status, from the outbox: only the index entry is left.
        return `${action.status} already`;
    }
  }

  /** (b): RECEIVED with no attempt, its request dead: FAILED, if the attempts are still none (and, given `ifUnchanged`, the record unchanged). */
  private async failAbandoned(id: string, ifAttempts: readonly string[], ifUnchanged?: Record<string, string>): Promise<void> {
    await this.d.store.transition(id, PaymentStatus.FAILED, {}, 'abandoned before charge: its request died', { ifAttempts, ifUnchanged });
  }

  /** (c): RECEIVED with attempts, its request dead: PENDING_REVIEW with the last provider (`f`: the record's fields), reconciled. */
  private async pendingReviewAbandoned(id: string, action: PendingReview, f: Record<string, string>, ifUnchanged?: Record<string, string>): Promise<PaymentAnswer> {
    const { provider, ifAttempts } = action;
    this.log.warn(`payment ${id}: its request died after asking ${provider} to charge; PENDING_REVIEW, reconciling with ${provider}`);
    return this.d.settler.settle(id, {
      status: PaymentStatus.PENDING_REVIEW,
      provider,
      reason: `outcome unknown at ${provider}: its request died after sending the charge`,
      fields: { provider },
      fraud: fraudOf(f),
      degraded: recordedDegraded(f),
      guard: { ifAttempts, ifUnchanged },
    });
  }
}
