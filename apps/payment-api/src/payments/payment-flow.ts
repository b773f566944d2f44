import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { withDeadline } from '@breakwater/resilience';
import type { DegradationReport } from '../degradation/degradation';
import type { FraudCheck } from '../fraud/fraud-check';
import { FRAUD_DECLINE_SCORE } from '../fraud/fraud-check';
import type { InventoryCheck } from '../inventory/inventory-check';
import type { JobScheduler, NotificationRequest } from '../jobs/job-scheduler';
import { isInvalidRequestDataError } from '../input/invalid-request-data.error';
import { ReconcileNotQueuedError } from '../jobs/reconcile-not-queued.error';
import type { PaymentMetrics } from '../metrics/payment-metrics';
import type { ProviderName } from '../config/downstream-config';
import type { ChargeOutcome, ProviderCharge } from '../providers/provider-charge';
import type { HeldKey, IdempotencyKeys, StoredAnswer } from './idempotency-keys';
import { PaymentStatus, type FraudMode, type NotifyTargets, type PaymentAnswer, type PaymentRequest } from './payment';
import { bodyHash } from './payment-keys';
import { PaymentAttemptsChangedError, PaymentTransitionError, type PaymentStore, type StoredPayment, type TransitionGuard } from './payment-store';
import { recoveryAction } from './recovery-decision';
import type { UnsettledPayments } from './unsettled-payments';

/** What the controller sends back. */
export interface FlowResult {
  status: number;
  body: unknown;
  retryAfterS?: number;
}

/** How often a request waits for a concurrent request with the same key to finish. */
const PENDING_POLL_MS = 50;
/** A recovery that keeps finding the payment changed under it gives up (503) after this many looks. */
const MAX_RECOVERY_ROUNDS = 5;

export interface PaymentFlowDeps {
  store: PaymentStore;
  keys: IdempotencyKeys;
  /** Payments not handed off yet: what a dead request leaves there, the sweeper recovers. */
  unsettled: UnsettledPayments;
  fraud: FraudCheck;
  inventory: InventoryCheck;
  providers: ProviderCharge;
  jobs: JobScheduler;
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

const retryAfter = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));
const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** What one run of process() has done so far, for cleaning up after an error. */
interface Run {
  /** The payment record was created by this run (nothing to clean up before that). */
  created: boolean;
  /** Providers this run recorded an attempt for, in order (the payment's `attempts`, as record-attempt last returned it). */
  attempts: string[];
  /**
   * The provider that may have charged: its attempt was recorded and no "certainly not
   * processed" answer cleared it since. Undefined: nothing this run sent can have charged.
   */
  mayHaveCharged: ProviderName | undefined;
  fraud: { score: number; mode: FraudMode } | undefined;
  degraded: string[];
  /** Fields to record with the final status (fraud score, mode). */
  fields: Record<string, string>;
}

/**
 * POST /payments, step by step (architecture.md section 3): the idempotency key, the fraud score, the
 * stock, the charge, then the record, notifications and audit export. Each status change is
 * recorded with its history and audit entry in one script before the next step.
 *
 * A claimed key carries a lease; each provider attempt is recorded on the payment before it is
 * sent. A request that dies after its claim (SIGKILL, Redis failing under it) is recovered by the
 * next request with the same key once the lease expires (recover(), docs/payment-gateway.md):
 * never by charging again after an attempt that may have charged.
 */
export class PaymentFlow {
  private readonly log = new Logger('PaymentFlow');
  private readonly leaseMs: number;

  constructor(private readonly d: PaymentFlowDeps) {
    this.leaseMs = d.leaseMs ?? 2 * d.deadlineMs;
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
          const recovered = await this.recover(claim.held, request, deadline.signal);
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
   *       settling the key: the answer is rebuilt from the record, its follow-ups (reconcile,
   *       notifications: job ids make repeats harmless) enqueued again, the key completed: 200;
   *   FAILED: nothing was charged and the key should have been given back: it is, and the caller
   *       claims it again.
   * The guarded transitions (`ifAttempts`) make (b) and (c) safe against a request that is slow
   * rather than dead: they fail if it recorded an attempt meanwhile, and once the payment left
   * RECEIVED that request can record (and so send) nothing more.
   */
  private async recover(key: HeldKey, r: PaymentRequest, signal: AbortSignal): Promise<FlowResult | 'claim-again'> {
    const id = key.paymentId;
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
              return { status: 409, body: { error: 'IDEMPOTENCY_KEY_IN_USE', message: 'a request with this Idempotency-Key is being recovered', paymentId: id }, retryAfterS: retryAfter(this.leaseMs) };
            }
            this.log.warn(`payment ${id}: its request died before recording it; processing it again under the same id`);
            // Not awaited here: its errors are its own (afterError), not a change under this recovery.
            return this.process(key, r, signal);
          case 'needs-operator':
            this.log.error(`payment ${id}: its request died and ${action.reason}; it needs an operator`);
            return { status: 409, body: { error: 'IDEMPOTENCY_KEY_IN_USE', message: 'this payment needs manual review', paymentId: id }, retryAfterS: retryAfter(this.leaseMs) };
          case 'fail-abandoned':
            this.log.warn(`payment ${id}: its request died before any charge was sent; FAILED, the key is given back`);
            await this.failAbandoned(id, action.ifAttempts);
            await this.d.keys.release(key);
            await this.handedOff(id);
            return 'claim-again';
          case 'pending-review': {
            const answer = await this.pendingReviewAbandoned(id, action.provider, action.ifAttempts, payment?.fields ?? {});
            const result = await this.completeKey(key, answer, 201);
            await this.handedOff(id);
            return result;
          }
          case 'give-back':
            await this.d.keys.release(key);
            await this.handedOff(id);
            return 'claim-again';
          case 'follow-ups': {
            const f = payment?.fields ?? {};
            const { status, provider } = action;
            const declineReason = status === PaymentStatus.DECLINED ? payment?.history.filter((h) => h.status === status).at(-1)?.reason : undefined;
            const answer = this.answer(id, status, provider, fraudOf(f), recordedDegraded(f), declineReason);
            if (status === PaymentStatus.PENDING_REVIEW && provider !== null) await this.d.jobs.reconcile(id, provider);
            if (status === PaymentStatus.AUTHORIZED) await this.d.jobs.notify({ paymentId: id, status, amount: r.amount, currency: r.currency, notify: r.notify });
            const result = await this.completeKey(key, answer, 200);
            await this.handedOff(id);
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
   * (d) its follow-ups queued again (notifications from the record), and nothing for (a) and
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
        await this.pendingReviewAbandoned(id, action.provider, action.ifAttempts, f, f);
        return `PENDING_REVIEW, reconciling with ${action.provider}`;
      case 'give-back':
        return 'FAILED already';
      case 'follow-ups': {
        const { status, provider } = action;
        if (status === PaymentStatus.PENDING_REVIEW) {
          if (provider !== null) await this.d.jobs.reconcile(id, provider);
        } else if (status === PaymentStatus.AUTHORIZED) {
          await this.d.jobs.notify(recordedNotification(id, status, f));
        }
        return `${status} already, follow-ups queued again`;
      }
    }
  }

  /** (b): RECEIVED with no attempt, its request dead: FAILED, if the attempts are still none (and, given `ifUnchanged`, the record unchanged). */
  private async failAbandoned(id: string, ifAttempts: readonly string[], ifUnchanged?: Record<string, string>): Promise<void> {
    await this.record(id, () => this.d.store.transition(id, PaymentStatus.FAILED, {}, 'abandoned before charge: its request died', { ifAttempts, ifUnchanged }));
  }

  /** (c): RECEIVED with attempts, its request dead: PENDING_REVIEW with the last provider, reconciled. */
  private async pendingReviewAbandoned(id: string, provider: ProviderName, ifAttempts: readonly string[], f: Record<string, string>, ifUnchanged?: Record<string, string>): Promise<PaymentAnswer> {
    this.log.warn(`payment ${id}: its request died after asking ${provider} to charge; PENDING_REVIEW, reconciling with ${provider}`);
    return this.settle(id, PaymentStatus.PENDING_REVIEW, provider, fraudOf(f), recordedDegraded(f), { provider }, `outcome unknown at ${provider}: its request died after sending the charge`, { ifAttempts, ifUnchanged });
  }

  /**
   * The payment is settled and its follow-ups queued: it leaves the unsettled index. Best effort:
   * an entry left over only makes the sweeper look at the payment again (and queue its follow-ups
   * again, which their job ids make harmless).
   */
  private async handedOff(id: string): Promise<void> {
    await this.d.unsettled.remove(id).catch((error: unknown) => this.log.warn(`payment ${id}: could not take it off the unsettled index (${describe(error)}); the sweeper will look at it again`));
  }

  private async process(key: HeldKey, r: PaymentRequest, signal: AbortSignal): Promise<FlowResult> {
    const startedAt = performance.now();
    const run: Run = { created: false, attempts: [], mayHaveCharged: undefined, fraud: undefined, degraded: [], fields: {} };
    try {
      return await this.steps(key, r, signal, run, startedAt);
    } catch (error) {
      return await this.afterError(key, r, run, error, startedAt);
    }
  }

  private async steps(key: HeldKey, r: PaymentRequest, signal: AbortSignal, run: Run, startedAt: number): Promise<FlowResult> {
    const id = key.paymentId;
    // Before the record: every payment a dead request can leave behind is on the index.
    await this.d.unsettled.add(id);
    await this.record(id, () => this.d.store.create(id, { id, amount: String(r.amount), currency: r.currency, customerId: r.customerId, items: JSON.stringify(r.items), notify: JSON.stringify(r.notify) }));
    run.created = true;

    const degraded = run.degraded;
    const fraud = await this.d.fraud.score(r.customerId, r.amount, r.currency, signal);
    run.fraud = fraud;
    if (fraud.mode === 'rules') degraded.push('fraud');
    const fraudFields = { fraudScore: String(fraud.score), fraudMode: fraud.mode };
    run.fields = fraudFields;
    if (fraud.score >= FRAUD_DECLINE_SCORE) return this.finish(key, r, PaymentStatus.DECLINED, null, fraud, degraded, fraudFields, 'fraud score too high', startedAt);

    const stock = await this.d.inventory.check(r.items, signal);
    if ((stock.kind === 'available' || stock.kind === 'out-of-stock') && stock.degraded) degraded.push('inventory');
    if (stock.kind === 'unchecked') degraded.push('inventory');
    if (stock.kind === 'out-of-stock') return this.finish(key, r, PaymentStatus.DECLINED, null, fraud, degraded, fraudFields, `out of stock: ${stock.sku}`, startedAt);
    if (stock.kind === 'unavailable') return this.unavailable(key, fraudFields, 'inventory unavailable and INVENTORY_FALLBACK=refuse', DEFAULT_UNAVAILABLE_RETRY_MS, startedAt);

    // Each provider's attempt is on the record before every send to it (retries included): if
    // this request dies, the next one with its key knows the charge is ambiguous, and with whom;
    // and once a recovery settled the payment, the record refuses the attempt and nothing is sent.
    const onAttempt = async (provider: ProviderName): Promise<void> => {
      // Sends move on (to a retry, or the next provider) only after a certain "not processed": the previous one did not charge.
      run.mayHaveCharged = undefined;
      // With the attempt, what a recovered answer needs: the fraud score and what fell back so far.
      const fellBack = run.attempts.filter((p) => p !== provider);
      run.attempts = await this.d.store.recordAttempt(id, provider, { ...fraudFields, degraded: JSON.stringify([...degraded, ...fellBack]) });
      run.mayHaveCharged = provider;
    };
    const charge = await this.d.providers.charge({ paymentId: id, amount: r.amount, currency: r.currency, token: r.paymentMethod.token }, signal, onAttempt);
    run.mayHaveCharged = charge.kind === 'unavailable' ? undefined : charge.provider;
    degraded.push(...charge.skipped);
    return this.afterCharge(key, r, charge, fraud, degraded, fraudFields, startedAt);
  }

  /**
   * Something threw after the claim (Redis failing, a refused attempt, a bug, the request's own
   * data refused: InvalidRequestDataError, answered 400). Best effort, then
   * the error goes on (the error filter answers 503 + Retry-After, 400 for the client's data; the client retries with the
   * same key). If nothing sent can have charged: FAILED and the key given back, so the retry is
   * a fresh attempt. If a charge may have happened: PENDING_REVIEW with that provider and a
   * reconcile job, answered as such. Whatever of this fails (Redis down) is left to the lease:
   * the next request with the key after it expires recovers the payment (recover()).
   */
  private async afterError(key: HeldKey, r: PaymentRequest, run: Run, error: unknown, startedAt: number): Promise<FlowResult> {
    const id = key.paymentId;
    // The request's own data was refused before anything was recorded or sent (the record's
    // create checks it before its script): the key is given back, so it is never left pending on
    // a request that can only fail (the error filter answers 400).
    if (!run.created && isInvalidRequestDataError(error)) {
      await this.d.keys.release(key).catch((cleanup: unknown) => this.log.warn(`payment ${id}: could not give its key back after "${describe(error)}": ${describe(cleanup)}`));
      await this.handedOff(id);
      throw error;
    }
    // Before the record exists (or if another request created it) there is nothing of ours to undo.
    if (!run.created) throw error;
    // PENDING_REVIEW is recorded but its reconciliation is not queued: the key stays pending, so
    // the next request with it after the lease recovers the payment and queues it again.
    if (error instanceof ReconcileNotQueuedError) throw error;
    const provider = run.mayHaveCharged;
    if (provider === undefined) {
      try {
        await this.record(id, () => this.d.store.transition(id, PaymentStatus.FAILED, run.fields, `failed before any charge was sent: ${describe(error)}`, { ifAttempts: run.attempts }));
        this.d.metrics.paymentFinished(PaymentStatus.FAILED, performance.now() - startedAt);
        await this.d.keys.release(key);
        await this.handedOff(id);
      } catch (cleanup) {
        this.log.warn(`payment ${id}: could not mark it FAILED after "${describe(error)}": ${describe(cleanup)}; the key's lease will let a retry recover it`);
      }
      throw error;
    }
    try {
      return await this.finish(key, r, PaymentStatus.PENDING_REVIEW, provider, run.fraud ?? fraudOf(run.fields), run.degraded, { ...run.fields, provider }, `outcome unknown at ${provider}: the request failed after sending the charge (${describe(error)})`, startedAt, { ifAttempts: run.attempts });
    } catch (cleanup) {
      this.log.warn(`payment ${id}: could not move it to PENDING_REVIEW after "${describe(error)}": ${describe(cleanup)}; the key's lease will let a retry recover it`);
      throw error;
    }
  }

  private async afterCharge(
    key: HeldKey,
    r: PaymentRequest,
    charge: ChargeOutcome,
    fraud: { score: number; mode: FraudMode },
    degraded: string[],
    fields: Record<string, string>,
    startedAt: number,
  ): Promise<FlowResult> {
    switch (charge.kind) {
      case 'charged':
        return this.finish(key, r, PaymentStatus.AUTHORIZED, charge.provider, fraud, degraded, { ...fields, provider: charge.provider, chargeId: charge.chargeId }, `charged by ${charge.provider}`, startedAt);
      case 'declined':
        return this.finish(key, r, PaymentStatus.DECLINED, charge.provider, fraud, degraded, { ...fields, provider: charge.provider }, `declined by ${charge.provider}`, startedAt);
      case 'ambiguous':
        return this.finish(key, r, PaymentStatus.PENDING_REVIEW, charge.provider, fraud, degraded, { ...fields, provider: charge.provider }, `outcome unknown at ${charge.provider}: ${describe(charge.error)}`, startedAt);
      case 'unavailable':
        return this.unavailable(key, fields, `no provider could take the payment (${charge.skipped.join(', ')})`, charge.retryAfterMs, startedAt);
    }
  }

  private async finish(
    key: HeldKey,
    r: PaymentRequest,
    status: PaymentStatus,
    provider: ProviderName | null,
    fraud: { score: number; mode: FraudMode },
    degraded: string[],
    fields: Record<string, string>,
    reason: string,
    startedAt: number,
    guard: { ifAttempts?: readonly string[] } = {},
  ): Promise<FlowResult> {
    const id = key.paymentId;
    const body = await this.settle(id, status, provider, fraud, degraded, fields, reason, guard);
    const result = await this.completeKey(key, body, 201);
    // Only a charge is notified: a declined payment (a 1-cent probe) must not message the addresses it names.
    if (status === PaymentStatus.AUTHORIZED) {
      await this.d.jobs.notify({ paymentId: id, status, amount: r.amount, currency: r.currency, notify: r.notify });
    }
    await this.handedOff(id);
    this.d.metrics.paymentFinished(status, performance.now() - startedAt);
    return result;
  }

  /**
   * Stores `answer` (201) as the key's answer and returns it with `status`. If a recovery took
   * the key over meanwhile (this request was slow, not dead), the key is left as it is: when it
   * has its answer already, that answer is the one every request with the key gets, this one
   * included (a replay).
   */
  private async completeKey(key: HeldKey, answer: PaymentAnswer, status: number): Promise<FlowResult> {
    const settled = await this.d.keys.complete(key, { status: 201, body: answer });
    if (settled.kind === 'settled') return { status, body: answer };
    this.log.warn(`payment ${key.paymentId}: its Idempotency-Key was taken over by a recovery meanwhile; the key keeps ${settled.kind === 'answered' ? 'the answer it has' : 'its new holder'}`);
    return settled.kind === 'answered' ? replay(settled.answer) : { status, body: answer };
  }

  /**
   * Records the status (with the answer's `degraded`, so a recovered answer is the same) and, for
   * PENDING_REVIEW, enqueues its reconciliation before the key is settled: a request that dies
   * after the status change leaves the key pending, and recovery enqueues it again. If that
   * enqueue fails it throws (ReconcileNotQueuedError) and the key is left pending the same way:
   * the request answers 503, the client's retry after the lease recovers the payment.
   */
  private async settle(
    id: string,
    status: PaymentStatus,
    provider: ProviderName | null,
    fraud: { score: number; mode: FraudMode },
    degraded: string[],
    fields: Record<string, string>,
    reason: string,
    guard: TransitionGuard = {},
  ): Promise<PaymentAnswer> {
    // What this payment fell back on, and what the fleet reports degraded right now.
    const fleet = this.d.degradation();
    const all = [...new Set([...degraded, ...fleet.degraded])].sort();
    await this.record(id, () => this.d.store.transition(id, status, { ...fields, degraded: JSON.stringify(all) }, reason, guard));
    if (status === PaymentStatus.PENDING_REVIEW && provider !== null) await this.d.jobs.reconcile(id, provider);
    return this.answer(id, status, provider, fraud, all, status === PaymentStatus.DECLINED ? reason : undefined, fleet.level);
  }

  private answer(id: string, status: PaymentStatus, provider: string | null, fraud: { score: number; mode: FraudMode }, degraded: string[], declineReason: string | undefined, level = this.d.degradation().level): PaymentAnswer {
    const body: PaymentAnswer = { id, status, provider, fraud, degraded, degradation: level };
    if (declineReason !== undefined) body.declineReason = declineReason;
    return body;
  }

  /** Nothing was charged and the client may try again: FAILED, the key given back, 503. */
  private async unavailable(key: HeldKey, fields: Record<string, string>, reason: string, retryAfterMs: number, startedAt: number): Promise<FlowResult> {
    const id = key.paymentId;
    await this.record(id, () => this.d.store.transition(id, PaymentStatus.FAILED, fields, reason));
    const released = await this.d.keys.release(key);
    await this.handedOff(id);
    this.d.metrics.paymentFinished(PaymentStatus.FAILED, performance.now() - startedAt);
    // A recovery answered the key meanwhile: that answer stands (it was given first).
    if (released.kind === 'answered') return replay(released.answer);
    return { status: 503, body: { error: 'NO_PROVIDER_AVAILABLE', message: reason, id }, retryAfterS: retryAfter(retryAfterMs) };
  }

  private async record(id: string, change: () => Promise<{ auditId: string }>): Promise<void> {
    const { auditId } = await change();
    await this.d.jobs.exportAudit(id, auditId);
  }
}


/** The fraud result a record holds (set with the first provider attempt or the final status). */
function fraudOf(f: Record<string, string>): { score: number; mode: FraudMode } {
  const score = Number(f.fraudScore);
  return { score: Number.isFinite(score) ? score : 0, mode: f.fraudMode === 'service' ? 'service' : 'rules' };
}

/** The `degraded` list a record holds, or none. */
function recordedDegraded(f: Record<string, string>): string[] {
  if (f.degraded === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(f.degraded);
    return Array.isArray(parsed) ? parsed.filter((d): d is string => typeof d === 'string') : [];
  } catch {
    return [];
  }
}

/** The notifications of a settled payment, from its record (amount, currency, targets). */
function recordedNotification(paymentId: string, status: PaymentStatus, f: Record<string, string>): NotificationRequest {
  let notify: NotifyTargets = {};
  try {
    const parsed: unknown = JSON.parse(f.notify ?? '{}');
    if (typeof parsed === 'object' && parsed !== null) {
      for (const channel of ['email', 'sms', 'push'] as const) {
        const target = (parsed as Record<string, unknown>)[channel];
        if (typeof target === 'string' && target !== '') notify = { ...notify, [channel]: target };
      }
    }
  } catch {
    notify = {};
  }
  return { paymentId, status, amount: Number(f.amount), currency: f.currency ?? '', notify };
}

export const DEFAULT_UNAVAILABLE_RETRY_MS = 2_000;

/**
 * The deadline ran out before this request could start a payment: 409 IDEMPOTENCY_KEY_IN_USE if
 * it waited on a request with its key (that payment may still be answered), else 503; either way
 * the client retries with the same key.
 */
function outOfTime(waitedOn: string | undefined): FlowResult {
  if (waitedOn !== undefined) return { status: 409, body: { error: 'IDEMPOTENCY_KEY_IN_USE', message: 'a request with this Idempotency-Key is still being processed', paymentId: waitedOn }, retryAfterS: 1 };
  return { status: 503, body: { error: 'UNAVAILABLE', message: 'the deadline passed before the payment could start; retry it with the same Idempotency-Key' }, retryAfterS: 1 };
}

function replay(answer: StoredAnswer): FlowResult {
  return { status: answer.status === 201 ? 200 : answer.status, body: answer.body };
}
