import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { withDeadline } from '@breakwater/resilience';
import type { DegradationReport } from '../degradation/degradation';
import type { FraudCheck } from '../fraud/fraud-check';
import { FRAUD_DECLINE_SCORE } from '../fraud/fraud-check';
import type { InventoryCheck } from '../inventory/inventory-check';
import { isInvalidRequestDataError } from '../input/invalid-request-data.error';
import type { PaymentMetrics } from '../metrics/payment-metrics';
import type { ProviderName } from '../config/downstream-config';
import type { ChargeOutcome, ProviderCharge } from '../providers/provider-charge';
import { describeError } from './error-message';
import { outOfTime, replay, retryAfter, type FlowResult } from './flow-result';
import type { HeldKey, IdempotencyKeys } from './idempotency-keys';
import { PaymentStatus, type PaymentRequest } from './payment';
import { PaymentAttempt, type FinalStatus } from './payment-attempt';
import { bodyHash } from './payment-keys';
import { MAX_RECOVERY_ROUNDS, PaymentRecovery } from './payment-recovery';
import { PaymentSettler } from './payment-settler';
import type { PaymentStore, StoredPayment } from './payment-store';
import type { UnsettledPayments } from './unsettled-payments';

export type { FlowResult } from './flow-result';

/** How often a request waits for a concurrent request with the same key to finish. */
const PENDING_POLL_MS = 50;

export const DEFAULT_UNAVAILABLE_RETRY_MS = 2_000;

export interface PaymentFlowDeps {
  store: PaymentStore;
  keys: IdempotencyKeys;
  /** Payments not handed off yet: what a dead request leaves there, the sweeper recovers. */
  unsettled: UnsettledPayments;
  fraud: FraudCheck;
  inventory: InventoryCheck;
  providers: ProviderCharge;
  metrics: PaymentMetrics;
  deadlineMs: number;
  /**
   * How long a claimed Idempotency-Key stays the claiming request's (Redis time). Once it expires
   * with the key still pending, the request is presumed dead and the next request with the key
   * recovers the payment. Default: twice `deadlineMs`.
   */
  leaseMs?: number;
  /** The fleet's degradation now (degradation.ts); answers carry it. */
  degradation: () => DegradationReport;
}

/**
 * POST /payments, step by step (architecture.md section 3): the idempotency key, the fraud score, the
 * stock, the charge, then the record. Each status change is recorded with its history, its audit
 * entry and its outbox entry in one script before the next step; the outbox's relay (jobs/follow-ups)
 * turns the entries into the notifications, reconciliation and audit export, so a request that
 * dies, or a reply that is lost, cannot skip one.
 *
 * A claimed key carries a lease; each provider attempt is recorded on the payment before it is
 * sent. A request that dies after its claim (SIGKILL, Redis failing under it) is recovered by the
 * next request with the same key once the lease expires (PaymentRecovery.recover,
 * docs/payment-gateway.md): never by charging again after an attempt that may have charged.
 *
 * Each run of a payment carries one PaymentAttempt (payment-attempt.ts) through its steps.
 */
export class PaymentFlow {
  private readonly log = new Logger('PaymentFlow');
  private readonly leaseMs: number;
  private readonly settler: PaymentSettler;
  private readonly recovery: PaymentRecovery;

  constructor(private readonly d: PaymentFlowDeps) {
    this.leaseMs = d.leaseMs ?? 2 * d.deadlineMs;
    this.settler = new PaymentSettler(d);
    this.recovery = new PaymentRecovery({ ...d, settler: this.settler, leaseMs: this.leaseMs, processAnew: (key, r, signal) => this.process(key, r, signal) });
  }

  async submit(clientKey: string, request: PaymentRequest): Promise<FlowResult> {
    const hash = bodyHash(request);
    const deadline = withDeadline('POST /payments', this.d.deadlineMs);
    try {
      let recoveries = 0;
      /** The payment of the pending claim this request last waited on. */
      let waitedOn: string | undefined;
      for (;;) {
        // A request whose budget ran out (waiting on a busy key, or in a recovery that gave the
        // key back) claims nothing more: it would process a payment with no time left.
        if (deadline.signal.aborted) return outOfTime(waitedOn);
        const claim = await this.d.keys.claim(clientKey, hash, randomUUID(), this.leaseMs);
        if (claim.kind === 'conflict') return { status: 409, body: { error: 'IDEMPOTENCY_KEY_REUSED', message: 'this Idempotency-Key was used with another request body' } };
        if (claim.kind === 'done') return replay(claim.answer);
        if (claim.kind === 'new') {
          if (!deadline.signal.aborted) return await this.process(claim.held, request, deadline.signal);
          // The claim's reply came after the deadline: give the fresh claim back, nothing was done with it.
          await this.d.keys.release(claim.held);
          return outOfTime(waitedOn);
        }
        if (claim.kind === 'stale') {
          // The request that held the key died; the key is ours now (with a new lease).
          if (++recoveries > MAX_RECOVERY_ROUNDS) throw new Error(`the Idempotency-Key of payment ${claim.held.paymentId} could not be recovered`);
          const recovered = await this.recovery.recover(claim.held, request, deadline.signal);
          if (recovered !== 'claim-again') return recovered;
          continue;
        }
        // Another request with this key is running: wait for its answer, within our budget.
        waitedOn = claim.paymentId;
        await new Promise((resolve) => setTimeout(resolve, PENDING_POLL_MS));
      }
    } finally {
      deadline.dispose();
    }
  }

  /** For the abandoned-payment sweeper: PaymentRecovery.recoverAbandoned. */
  async recoverAbandoned(id: string, seen: StoredPayment | undefined): Promise<string> {
    return this.recovery.recoverAbandoned(id, seen);
  }

  private async process(key: HeldKey, r: PaymentRequest, signal: AbortSignal): Promise<FlowResult> {
    const attempt = new PaymentAttempt(key, r, signal);
    try {
      return await this.steps(attempt);
    } catch (error) {
      return await this.afterError(attempt, error);
    }
  }

  private async steps(a: PaymentAttempt): Promise<FlowResult> {
    const { id, request: r, signal } = a;
    const owner: Record<string, string> = r.owner === undefined ? {} : { clientId: r.owner };
    // With the record, in its script: every payment a dead request can leave behind is on the index.
    await this.d.store.create(id, { id, amount: String(r.amount), currency: r.currency, customerId: r.customerId, items: JSON.stringify(r.items), notify: JSON.stringify(r.notify), ...owner }, this.d.unsettled.shardKeyOf(id));
    a.created = true;

    const fraud = await this.d.fraud.score(r.customerId, r.amount, r.currency, signal);
    a.scored(fraud);
    if (fraud.score >= FRAUD_DECLINE_SCORE) return this.finish(a, { status: PaymentStatus.DECLINED, provider: null, reason: 'fraud score too high' });

    const stock = await this.d.inventory.check(r.items, signal);
    if ((stock.kind === 'available' || stock.kind === 'out-of-stock') && stock.degraded) a.degraded.push('inventory');
    if (stock.kind === 'unchecked') a.degraded.push('inventory');
    if (stock.kind === 'out-of-stock') return this.finish(a, { status: PaymentStatus.DECLINED, provider: null, reason: `out of stock: ${stock.sku}` });
    if (stock.kind === 'unavailable') return this.unavailable(a, 'inventory unavailable and INVENTORY_FALLBACK=refuse', DEFAULT_UNAVAILABLE_RETRY_MS);

    const charge = await this.d.providers.charge({ paymentId: id, amount: r.amount, currency: r.currency, token: r.paymentMethod.token }, signal, (provider) => this.recordAttempt(a, provider));
    a.mayHaveCharged = charge.kind === 'unavailable' ? undefined : charge.provider;
    a.degraded.push(...charge.skipped);
    return this.afterCharge(a, charge);
  }

  /**
   * Each provider's attempt is on the record before every send to it (retries included): if
   * this request dies, the next one with its key knows the charge is ambiguous, and with whom;
   * and once a recovery settled the payment, the record refuses the attempt and nothing is sent.
   */
  private async recordAttempt(a: PaymentAttempt, provider: ProviderName): Promise<void> {
    // Sends move on (to a retry, or the next provider) only after a certain "not processed": the previous one did not charge.
    a.mayHaveCharged = undefined;
    // With the attempt, what a recovered answer needs: the fraud score and what fell back so far.
    const fellBack = a.attempts.filter((p) => p !== provider);
    a.attempts = await this.d.store.recordAttempt(a.id, provider, { ...a.fields, degraded: JSON.stringify([...a.degraded, ...fellBack]) });
    a.mayHaveCharged = provider;
  }

  /**
   * Something threw after the claim (Redis failing, a refused attempt, a bug, the request's own
   * data refused: InvalidRequestDataError, answered 400). Best effort, then
   * the error goes on (the error filter answers 503 + Retry-After, 400 for the client's data; the client retries with the
   * same key). If nothing sent can have charged: FAILED and the key given back, so the retry is
   * a fresh attempt. If a charge may have happened: PENDING_REVIEW with that provider (its
   * reconciliation comes from the outbox), answered as such. Whatever of this fails (Redis down) is left to the lease:
   * the next request with the key after it expires recovers the payment (PaymentRecovery.recover).
   */
  private async afterError(a: PaymentAttempt, error: unknown): Promise<FlowResult> {
    const { id, key } = a;
    // The request's own data was refused before anything was recorded or sent (the record's
    // create checks it before its script): the key is given back, so it is never left pending on
    // a request that can only fail (the error filter answers 400).
    if (!a.created && isInvalidRequestDataError(error)) {
      await this.d.keys.release(key).catch((cleanup: unknown) => this.log.warn(`payment ${id}: could not give its key back after "${describeError(error)}": ${describeError(cleanup)}`));
      await this.settler.handedOff(id);
      throw error;
    }
    // Before the record exists (or if another request created it) there is nothing of ours to undo.
    if (!a.created) throw error;
    const provider = a.mayHaveCharged;
    if (provider === undefined) {
      try {
        await this.d.store.transition(id, PaymentStatus.FAILED, a.fields, `failed before any charge was sent: ${describeError(error)}`, { ifAttempts: a.attempts });
        this.d.metrics.paymentFinished(PaymentStatus.FAILED, a.elapsedMs());
        await this.d.keys.release(key);
        await this.settler.handedOff(id);
      } catch (cleanup) {
        this.log.warn(`payment ${id}: could not mark it FAILED after "${describeError(error)}": ${describeError(cleanup)}; the key's lease will let a retry recover it`);
      }
      throw error;
    }
    try {
      const reason = `outcome unknown at ${provider}: the request failed after sending the charge (${describeError(error)})`;
      return await this.finish(a, { status: PaymentStatus.PENDING_REVIEW, provider, reason, fields: { provider }, guard: { ifAttempts: a.attempts } });
    } catch (cleanup) {
      this.log.warn(`payment ${id}: could not move it to PENDING_REVIEW after "${describeError(error)}": ${describeError(cleanup)}; the key's lease will let a retry recover it`);
      throw error;
    }
  }

  private async afterCharge(a: PaymentAttempt, charge: ChargeOutcome): Promise<FlowResult> {
    switch (charge.kind) {
      case 'charged':
        return this.finish(a, { status: PaymentStatus.AUTHORIZED, provider: charge.provider, reason: `charged by ${charge.provider}`, fields: { provider: charge.provider, chargeId: charge.chargeId } });
      case 'declined':
        return this.finish(a, { status: PaymentStatus.DECLINED, provider: charge.provider, reason: `declined by ${charge.provider}`, fields: { provider: charge.provider } });
      case 'ambiguous':
        return this.finish(a, { status: PaymentStatus.PENDING_REVIEW, provider: charge.provider, reason: `outcome unknown at ${charge.provider}: ${describeError(charge.error)}`, fields: { provider: charge.provider } });
      case 'unavailable':
        return this.unavailable(a, `no provider could take the payment (${charge.skipped.join(', ')})`, charge.retryAfterMs);
    }
  }

  /** The payment ends as `end`: recorded (its follow-ups with it, in the outbox), its key answered (201), handed off. */
  private async finish(a: PaymentAttempt, end: FinalStatus): Promise<FlowResult> {
    const { id } = a;
    // Off the unsettled index with the final status, in its script: the sweeper has nothing to do
    // for a payment in a final status (or PENDING_REVIEW, reconciled from the outbox).
    const body = await this.settler.settle(id, { ...a.settlement(end), handOff: true });
    const result = await this.settler.completeKey(a.key, body, 201);
    this.d.metrics.paymentFinished(end.status, a.elapsedMs());
    return result;
  }

  /** Nothing was charged and the client may try again: FAILED, the key given back, 503. */
  private async unavailable(a: PaymentAttempt, reason: string, retryAfterMs: number): Promise<FlowResult> {
    const { id } = a;
    await this.d.store.transition(id, PaymentStatus.FAILED, a.fields, reason);
    const released = await this.d.keys.release(a.key);
    await this.settler.handedOff(id);
    this.d.metrics.paymentFinished(PaymentStatus.FAILED, a.elapsedMs());
    // A recovery answered the key meanwhile: that answer stands (it was given first).
    if (released.kind === 'answered') return replay(released.answer);
    return { status: 503, body: { error: 'NO_PROVIDER_AVAILABLE', message: reason, id }, retryAfterS: retryAfter(retryAfterMs) };
  }
}
