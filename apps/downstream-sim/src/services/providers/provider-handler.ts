// A payment provider with honest idempotency:
//   POST /charges          (Idempotency-Key: <payment id>) charges once per key: 201 the first
//                          time, 200 with the same answer for every repeat.
//   GET  /charges/<key>    the outcome for a key, for reconciliation after an ambiguous failure.
import type { Reply } from '../../http/open-responses';
import type { ProviderName } from '../../service-names';
import { badRequest, decodePathSegment, MISSING_IDEMPOTENCY_KEY, notFound, type ServiceHandler, type ServiceRequest } from '../service-handler';
import { DECLINED_TOKEN, parseChargeRequest } from './charge-request';
import type { LedgerEntry, ProviderLedger } from './provider-ledger';

const CHARGES_PATH = '/charges';

export function createProviderHandler(provider: ProviderName, ledger: ProviderLedger): ServiceHandler {
  return (request) => {
    if (request.subPath === CHARGES_PATH && request.method === 'POST') return charge(provider, ledger, request);
    if (request.subPath.startsWith(`${CHARGES_PATH}/`) && request.method === 'GET') {
      const key = decodePathSegment(request.subPath.slice(CHARGES_PATH.length + 1));
      return key === undefined ? badRequest(['the idempotency key in the path is not valid URL encoding']) : chargeStatus(ledger.find(provider, key));
    }
    return notFound(request);
  };
}

function charge(provider: ProviderName, ledger: ProviderLedger, request: ServiceRequest): Reply {
  const key = request.idempotencyKey;
  if (key === undefined) return MISSING_IDEMPOTENCY_KEY;
  // A repeat gets the first answer whatever its body says, as the key alone identifies the payment.
  const earlier = ledger.find(provider, key);
  if (earlier !== undefined) return { status: 200, body: chargeAnswer(earlier) };
  const parsed = parseChargeRequest(request.body);
  if (!parsed.ok) return badRequest(parsed.errors);
  const { amount, currency, token } = parsed.charge;
  const entry = ledger.chargeOnce(provider, key, { amount, currency, status: token === DECLINED_TOKEN ? 'DECLINED' : 'CHARGED' });
  return { status: 201, body: chargeAnswer(entry) };
}

function chargeStatus(entry: LedgerEntry | undefined): Reply {
  if (entry === undefined) return { status: 404, body: { status: 'NOT_FOUND' } };
  return { status: 200, body: { ...chargeAnswer(entry), idempotencyKey: entry.idempotencyKey, at: entry.at } };
}

function chargeAnswer(entry: LedgerEntry): Record<string, unknown> {
  const answer = { chargeId: entry.chargeId, status: entry.status, amount: entry.amount, currency: entry.currency };
  return entry.status === 'DECLINED' ? { ...answer, declineCode: 'card_declined' } : answer;
}
