import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { isBreakerOpenError, isBulkheadRejectedError, isRetryBudgetExhaustedError, NEVER_ABORTED } from '@breakwater/resilience';
import { PaymentStatus, type NotifyTargets } from '../payments/payment';
import { PaymentTransitionError, type PaymentStore } from '../payments/payment-store';
import type { ProviderCharge } from '../providers/provider-charge';
import type { NotificationRequest } from './job-scheduler';
import type { ReconcileJobData } from './job-data';

/** What a settled payment hands on; these throw when the job cannot be enqueued, so the reconcile job retries. */
export interface ReconcileFollowUps {
  exportAudit(paymentId: string, auditId: string): Promise<void>;
  notify(request: NotificationRequest): Promise<void>;
}

/** How long a run refused by the provider's breaker or bulkhead is postponed: its retryAfterMs, within these bounds. */
export interface PostponeBounds {
  minMs: number;
  maxMs: number;
}

/**
 * After the payment's last provider attempt (Redis time) and the request's deadline, how much
 * longer a charge sent by that request may still reach the provider (the network, a provider
 * that reads a request after its client gave up). Until then, NOT_FOUND is not final.
 */
export const NOT_FOUND_MARGIN_MS = 10_000;

export interface ReconcileTiming {
  postpone: PostponeBounds;
  /** The payment deadline plus NOT_FOUND_MARGIN_MS: how long after the last attempt a NOT_FOUND is final. */
  notFoundFinalAfterMs: number;
}

type Settled = typeof PaymentStatus.AUTHORIZED | typeof PaymentStatus.DECLINED | typeof PaymentStatus.FAILED;

const OUTCOMES: Record<'CHARGED' | 'DECLINED' | 'NOT_FOUND', { status: Settled; reason: string }> = {
  CHARGED: { status: PaymentStatus.AUTHORIZED, reason: 'reconciled: charged' },
  DECLINED: { status: PaymentStatus.DECLINED, reason: 'reconciled: declined' },
  NOT_FOUND: { status: PaymentStatus.FAILED, reason: 'reconciled: never charged' },
};

/**
 * Settles a PENDING_REVIEW payment with the one provider that may have charged it (architecture.md
 * section 3): its record says CHARGED, DECLINED, or that it never saw the charge. A provider
 * that cannot answer throws and the job retries with backoff. A run refused before anything was
 * sent (the provider's breaker is open, its bulkhead full) is not an attempt: the job is put back
 * as delayed for the breaker's retryAfterMs (within `postpone`, plus jitter) without spending one,
 * so an outage that keeps the breaker open cannot run the job into the dead-letter queue.
 *
 * NOT_FOUND is final only once no send of the request can still arrive: every send is fenced by
 * an attempt recorded on the payment (`lastAttemptAt`, Redis time; `createdAt` if none) and made
 * within the request's deadline, so after lastAttemptAt + deadline + NOT_FOUND_MARGIN_MS. Before
 * that, the job is put back as delayed until then (no attempt spent) and asks again.
 *
 * A payment that is no longer PENDING_REVIEW was settled already: if by this job (a run that died after the transition),
 * its audit export and notifications are enqueued again (their job ids make that harmless),
 * and the job is done.
 */
export function reconcileProcessor(
  store: PaymentStore,
  providers: ProviderCharge,
  followUps: ReconcileFollowUps,
  timing: ReconcileTiming,
): (job: Job<ReconcileJobData>, token: string | undefined, signal: AbortSignal | undefined) => Promise<string> {
  return async (job, token, signal) => {
    const { paymentId, provider } = job.data;
    let answer: Awaited<ReturnType<ProviderCharge['status']>>;
    try {
      answer = await providers.status(provider, paymentId, signal ?? NEVER_ABORTED);
    } catch (error) {
      const refusedForMs = refusedFor(error);
      if (refusedForMs === undefined || token === undefined) throw error;
      await job.moveToDelayed(Date.now() + postponement(refusedForMs, timing.postpone), token);
      throw new DelayedError(`${provider} refused the call before sending it (${error instanceof Error ? error.message : String(error)}): postponed without spending an attempt`);
    }
    if (answer === 'NOT_FOUND') {
      const notFinalForMs = await untilNotFoundIsFinal(store, paymentId, timing.notFoundFinalAfterMs);
      if (notFinalForMs > 0) {
        const why = `${provider} has not seen the charge, but a send may still reach it for ${notFinalForMs} ms`;
        if (token === undefined) throw new Error(why);
        await job.moveToDelayed(Date.now() + notFinalForMs + NOT_FINAL_SLACK_MS, token);
        throw new DelayedError(`${why}: asked again then, without spending an attempt`);
      }
    }
    const outcome = OUTCOMES[answer];
    let auditId: string;
    try {
      ({ auditId } = await store.transition(paymentId, outcome.status, { reconciledWith: provider }, outcome.reason));
    } catch (error) {
      if (!(error instanceof PaymentTransitionError)) throw error;
      if (error.from === undefined) throw new UnrecoverableError(`payment ${paymentId} does not exist`);
      const redone = await finishEarlierRun(store, followUps, paymentId, provider, error.from);
      return redone ? `already ${error.from}, follow-ups enqueued again` : `already ${error.from}`;
    }
    await followUps.exportAudit(paymentId, auditId);
    // Only a charge is notified: a declined payment must not message the addresses it names.
    if (outcome.status === PaymentStatus.AUTHORIZED) await notify(store, followUps, paymentId, outcome.status);
    return outcome.status;
  };
}

/** Asked again a little after NOT_FOUND becomes final, so the next run does not land just before. */
const NOT_FINAL_SLACK_MS = 250;

/** Ms (Redis time) until a NOT_FOUND for this payment is final; 0 or less when it is (or there is no payment). */
async function untilNotFoundIsFinal(store: PaymentStore, paymentId: string, finalAfterMs: number): Promise<number> {
  const payment = await store.get(paymentId);
  if (payment === undefined) return 0;
  const since = Number(payment.fields.lastAttemptAt ?? payment.fields.createdAt);
  if (!Number.isFinite(since)) return 0;
  return since + finalAfterMs - (await store.redisTimeMs());
}

/** How long the provider's policy says to wait when it refused the call before sending it; undefined for any other failure. */
function refusedFor(error: unknown): number | undefined {
  if (isRetryBudgetExhaustedError(error)) return refusedFor(error.cause);
  if (isBreakerOpenError(error)) return error.retryAfterMs;
  if (isBulkheadRejectedError(error)) return 0;
  return undefined;
}

/** retryAfterMs within the bounds, plus up to a quarter more: postponed jobs do not all come back at once. */
function postponement(retryAfterMs: number, bounds: PostponeBounds, random: () => number = Math.random): number {
  const base = Math.min(bounds.maxMs, Math.max(bounds.minMs, Number.isFinite(retryAfterMs) ? retryAfterMs : bounds.maxMs));
  return Math.round(base * (1 + random() / 4));
}

/** A payment this job settled in an earlier run: enqueue what that run may not have. */
async function finishEarlierRun(store: PaymentStore, followUps: ReconcileFollowUps, paymentId: string, provider: string, status: string): Promise<boolean> {
  const payment = await store.get(paymentId);
  if (payment === undefined || payment.fields.reconciledWith !== provider) return false;
  const entries = await store.audit(paymentId);
  const entry = [...entries].reverse().find((e) => e.status === status);
  if (entry !== undefined) await followUps.exportAudit(paymentId, entry.id);
  if (status === PaymentStatus.AUTHORIZED) await notify(store, followUps, paymentId, status);
  return true;
}

async function notify(store: PaymentStore, followUps: ReconcileFollowUps, paymentId: string, status: typeof PaymentStatus.AUTHORIZED): Promise<void> {
  const payment = await store.get(paymentId);
  if (payment === undefined) return;
  const targets = parseTargets(payment.fields.notify);
  if (Object.keys(targets).length === 0) return;
  await followUps.notify({ paymentId, status, amount: Number(payment.fields.amount), currency: payment.fields.currency ?? '', notify: targets });
}

function parseTargets(json: string | undefined): NotifyTargets {
  if (json === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const targets: NotifyTargets = {};
    for (const channel of ['email', 'sms', 'push'] as const) {
      const value = (parsed as Record<string, unknown>)[channel];
      if (typeof value === 'string' && value.length > 0) targets[channel] = value;
    }
    return targets;
  } catch {
    return {};
  }
}
