import { isBreakerOpenError, type Policy } from '@breakwater/resilience';
import { PROVIDERS, type ProviderName } from '../config/downstream-config';
import { certainlyNotProcessed, isSendFencedError, NotProcessedError, SendFencedError, UnexpectedAnswerError } from '../downstreams/downstream-errors';
import type { HttpClient } from '../downstreams/http-client';
import { InvalidRequestDataError } from '../input/invalid-request-data.error';
import { TEXT_RULES, requireText, textProblem, type TextRule } from '../input/text-rules';

export type ChargeOutcome =
  | { kind: 'charged'; provider: ProviderName; chargeId: string; skipped: ProviderName[] }
  | { kind: 'declined'; provider: ProviderName; skipped: ProviderName[] }
  /** The provider may have charged: only reconciliation with that provider may settle it. */
  | { kind: 'ambiguous'; provider: ProviderName; skipped: ProviderName[]; error: unknown }
  /** Every provider certainly did not charge. */
  | { kind: 'unavailable'; skipped: ProviderName[]; retryAfterMs: number };

export interface ChargeRequest {
  paymentId: string;
  amount: number;
  currency: string;
  token: string;
}

/**
 * Awaited before every send to a provider: once before its policy chain runs, and again before
 * each retried send inside it (the fence: the payment's attempt is recorded again, which fails once
 * a recovery has settled the payment). If it throws, that send is not made, no other provider is
 * tried and charge() throws that error. The first call may be for a provider whose breaker or
 * bulkhead then refuses the call (nothing sent): it marks a charge that may be sent, not one that
 * was.
 */
export type OnAttempt = (provider: ProviderName) => Promise<void>;

/** When no breaker says better, how long a client should wait before trying again. */
export const DEFAULT_RETRY_AFTER_MS = 1_000;

/** Runs the fence before a retried send; its failure becomes a SendFencedError (ignored by the breaker, not retried). */
async function fence(provider: ProviderName, onAttempt: OnAttempt): Promise<void> {
  try {
    await onAttempt(provider);
  } catch (error) {
    throw new SendFencedError(provider, error);
  }
}

/** What a provider's chargeId may be: printable ASCII without spaces, at most 128 characters. */
const CHARGE_ID: TextRule = { max: 128, pattern: /^[\x21-\x7e]+$/, describe: 'a charge id' };

const PATHS: Record<ProviderName, string> = { 'provider-a': '/providers/a', 'provider-b': '/providers/b', 'provider-c': '/providers/c' };

/**
 * Charges through the providers in priority order, each behind its own policy chain. It moves to
 * the next provider only when the current one certainly did not charge; after an ambiguous
 * failure it stops and says which provider to reconcile with, so a payment is never charged by
 * two providers. Every provider gets the payment id as its idempotency key.
 */
export class ProviderCharge {
  constructor(
    private readonly http: HttpClient,
    private readonly chains: Record<ProviderName, Policy>,
  ) {}

  /**
   * Throws InvalidRequestDataError before any attempt is recorded or any provider asked when the
   * request holds data no charge can carry: the client's fault, not any provider's.
   */
  async charge(request: ChargeRequest, signal: AbortSignal, onAttempt?: OnAttempt): Promise<ChargeOutcome> {
    checkChargeRequest(request);
    const skipped: ProviderName[] = [];
    let retryAfterMs = Number.POSITIVE_INFINITY;
    for (const provider of PROVIDERS) {
      // Outside the try: a failing hook is not the provider's failure (no fallback, nothing sent).
      if (onAttempt !== undefined) await onAttempt(provider);
      let sends = 0;
      try {
        const answer = await this.chains[provider].execute(async (s) => {
          // A retried send is fenced as the first was: a payment a recovery settled meanwhile is not charged.
          if (sends++ > 0 && onAttempt !== undefined) await fence(provider, onAttempt);
          return this.send(provider, request, s);
        }, signal);
        return answer.status === 'CHARGED' ? { kind: 'charged', provider, chargeId: answer.chargeId, skipped } : { kind: 'declined', provider, skipped };
      } catch (error) {
        // The fence refused a retry: nothing was sent for it, and the earlier send certainly did not charge.
        if (isSendFencedError(error)) throw error.cause;
        if (!certainlyNotProcessed(error)) return { kind: 'ambiguous', provider, skipped, error };
        skipped.push(provider);
        // An open breaker knows when to ask again; any other refusal may clear at once.
        retryAfterMs = Math.min(retryAfterMs, isBreakerOpenError(error) ? error.retryAfterMs : DEFAULT_RETRY_AFTER_MS);
        if (signal.aborted) break;
      }
    }
    return { kind: 'unavailable', skipped, retryAfterMs: Number.isFinite(retryAfterMs) ? retryAfterMs : DEFAULT_RETRY_AFTER_MS };
  }

  /**
   * The provider's record of the charge, for reconciliation: CHARGED, DECLINED or NOT_FOUND.
   * NOT_FOUND is only the provider's own answer for a key it never saw, `404 {"status":
   * "NOT_FOUND"}`: any other 404 (a misrouted query, a proxy's page) says nothing about the
   * charge and is an UnexpectedAnswerError, so the reconciliation asks again.
   */
  async status(provider: ProviderName, paymentId: string, signal: AbortSignal): Promise<'CHARGED' | 'DECLINED' | 'NOT_FOUND'> {
    requireText('paymentId', paymentId, TEXT_RULES.paymentId);
    return this.chains[provider].execute(async (s) => {
      const answer = await this.http.send('GET', `${PATHS[provider]}/charges/${encodeURIComponent(paymentId)}`, s);
      const status = (answer.json as { status?: unknown } | undefined)?.status;
      if (answer.status === 404 && status === 'NOT_FOUND') return 'NOT_FOUND';
      if (answer.status === 200 && (status === 'CHARGED' || status === 'DECLINED')) return status;
      if (answer.status >= 500) throw new NotProcessedError(provider, answer.status);
      throw new UnexpectedAnswerError(provider, answer.status, answer.text);
    }, signal);
  }

  private async send(provider: ProviderName, r: ChargeRequest, signal: AbortSignal): Promise<{ status: 'CHARGED' | 'DECLINED'; chargeId: string }> {
    const answer = await this.http.send('POST', `${PATHS[provider]}/charges`, signal, { amount: r.amount, currency: r.currency, token: r.token }, { 'idempotency-key': r.paymentId });
    const body = answer.json as { status?: unknown; chargeId?: unknown; processed?: unknown } | undefined;
    if (answer.status === 503 && body?.processed === false) throw new NotProcessedError(provider, answer.status);
    // A charge must name it by a short printable id (a 4 MB chargeId is not stored): otherwise the
    // answer is the provider failing, and the charge ambiguous (reconciled).
    if ((answer.status === 200 || answer.status === 201) && body?.status === 'CHARGED' && textProblem(body.chargeId, CHARGE_ID) === undefined) {
      return { status: 'CHARGED', chargeId: body.chargeId as string };
    }
    if ((answer.status === 200 || answer.status === 201) && body?.status === 'DECLINED') return { status: 'DECLINED', chargeId: '' };
    throw new UnexpectedAnswerError(provider, answer.status, answer.text);
  }
}

/** The request's own data, checked before any provider's policy chain sees it. */
function checkChargeRequest(r: ChargeRequest): void {
  requireText('paymentId', r.paymentId, TEXT_RULES.paymentId);
  requireText('paymentMethod.token', r.token, TEXT_RULES.cardToken);
  requireText('currency', r.currency, TEXT_RULES.currency);
  if (!Number.isSafeInteger(r.amount) || r.amount <= 0) throw new InvalidRequestDataError('amount', 'must be a positive whole number of minor units');
}
