import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { isBreakerOpenError, isBulkheadRejectedError, isRetryBudgetExhaustedError, NEVER_ABORTED } from '@breakwater/resilience';
import { PaymentStatus } from '../payments/payment';
import { PaymentTransitionError, type PaymentStore } from '../payments/payment-store';
import type { ProviderCharge } from '../providers/provider-charge';
import type { ReconcileJobData } from './job-data';

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
 * A payment that is no longer PENDING_REVIEW was settled already (by an earlier run of this job
 * that died after the transition, or an operator): the job is done. Its follow-ups (audit export,
 * notifications) came with the transition, from the payment outbox (follow-ups/).
 */
export function reconcileProcessor(
  store: PaymentStore,
  providers: ProviderCharge,
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
    try {
      await store.transition(paymentId, outcome.status, { reconciledWith: provider }, outcome.reason);
    } catch (error) {
      if (!(error instanceof PaymentTransitionError)) throw error;
      if (error.from === undefined) throw new UnrecoverableError(`payment ${paymentId} does not exist`);
      return `already ${error.from}`;
    }
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
