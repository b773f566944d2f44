import type { Policy } from '@breakwater/resilience';
import type { HttpClient } from '../downstreams/http-client';
import { NotProcessedError, UnexpectedAnswerError } from '../downstreams/downstream-errors';
import { InvalidRequestDataError } from '../input/invalid-request-data.error';
import { TEXT_RULES, requireText } from '../input/text-rules';
import type { FraudMode } from '../payments/payment';
import type { RulesScorer } from './rules-scorer';

/** Scores at or above this decline the payment. */
export const FRAUD_DECLINE_SCORE = 0.9;

export interface FraudVerdict {
  score: number;
  mode: FraudMode;
}

/** The fraud service's score, or the rules' when the service fails or its breaker is open. */
export class FraudCheck {
  constructor(
    private readonly http: HttpClient,
    private readonly chain: Policy,
    private readonly rules: RulesScorer,
  ) {}

  /** Throws InvalidRequestDataError (before any policy, and without falling back to the rules) for data no request can carry. */
  async score(customerId: string, amount: number, currency: string, signal: AbortSignal): Promise<FraudVerdict> {
    // The request's own data: refused here, never counted as the fraud service failing.
    requireText('customerId', customerId, TEXT_RULES.customerId);
    requireText('currency', currency, TEXT_RULES.currency);
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new InvalidRequestDataError('amount', 'must be a positive whole number of minor units');
    try {
      const score = await this.chain.execute(async (s) => {
        const answer = await this.http.send('POST', '/fraud/score', s, { customerId, amount, currency });
        if (answer.status >= 500) throw new NotProcessedError('fraud', answer.status);
        const value = (answer.json as { score?: unknown } | undefined)?.score;
        // A score outside [0, 1] (-1e308, a string) is the service failing: the rules score instead.
        if (answer.status !== 200 || !(typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1)) throw new UnexpectedAnswerError('fraud', answer.status, answer.text);
        return value;
      }, signal);
      return { score, mode: 'service' };
    } catch {
      return { score: await this.rules.score(customerId, amount), mode: 'rules' };
    }
  }
}
