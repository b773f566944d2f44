// Validation of a provider charge body `{amount, currency, token}`.
import { isPlainObject } from '../../http/json-io';

export interface ChargeRequest {
  /** Minor units, a positive integer. */
  amount: number;
  /** ISO 4217, three capital letters. */
  currency: string;
  token: string;
}

/** The card token a provider declines, for tests and demos of the DECLINED path. */
export const DECLINED_TOKEN = 'tok_decline';

export function parseChargeRequest(body: unknown): { ok: true; charge: ChargeRequest } | { ok: false; errors: string[] } {
  if (!isPlainObject(body)) return { ok: false, errors: ['the body must be a JSON object {amount, currency, token}'] };
  const { amount, currency, token } = body;
  const errors: string[] = [];
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) errors.push('amount must be a positive integer (minor units)');
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) errors.push('currency must be an ISO 4217 code such as "EUR"');
  if (typeof token !== 'string' || token === '') errors.push('token must be a non-empty string');
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, charge: { amount: amount as number, currency: currency as string, token: token as string } };
}
