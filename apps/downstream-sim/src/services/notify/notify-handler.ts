// A notification channel (email, SMS, push): `POST /` with an Idempotency-Key and a JSON object
// body delivers once per key: 202 the first time, 200 for a repeat, which is not delivered again.
import { isPlainObject } from '../../http/json-io';
import type { NotifyName } from '../../service-names';
import { badRequest, MISSING_IDEMPOTENCY_KEY, notFound, type ServiceHandler } from '../service-handler';
import type { DeliveryLog } from './delivery-log';

export function createNotifyHandler(channel: NotifyName, deliveries: DeliveryLog): ServiceHandler {
  return (request) => {
    if (request.subPath !== '' || request.method !== 'POST') return notFound(request);
    if (request.idempotencyKey === undefined) return MISSING_IDEMPOTENCY_KEY;
    if (!isPlainObject(request.body)) return badRequest(['the body must be a JSON object describing the message']);
    const deliveredNow = deliveries.deliverOnce(channel, request.idempotencyKey, request.body);
    return { status: deliveredNow ? 202 : 200, body: { delivered: true } };
  };
}
