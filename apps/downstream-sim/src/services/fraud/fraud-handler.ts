// `POST /score` with `{customerId, amount, currency}` -> `{"score": 0..1}`.
import { isPlainObject } from '../../http/json-io';
import { badRequest, notFound, type ServiceHandler } from '../service-handler';
import { fraudScore } from './fraud-score';

export const fraudHandler: ServiceHandler = (request) => {
  if (request.subPath !== '/score' || request.method !== 'POST') return notFound(request);
  const body = request.body;
  if (!isPlainObject(body)) return badRequest(['the body must be a JSON object {customerId, amount, currency}']);
  const { customerId, amount, currency } = body;
  const errors: string[] = [];
  if (typeof customerId !== 'string' || customerId === '') errors.push('customerId must be a non-empty string');
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) errors.push('amount must be a non-negative number (minor units)');
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) errors.push('currency must be an ISO 4217 code such as "EUR"');
  if (errors.length > 0) return badRequest(errors);
  return { status: 200, body: { score: fraudScore(customerId as string, amount as number, currency as string) } };
};
