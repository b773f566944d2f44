// One request to a simulated service, through its faults: count it, let the fault decide, then
// process it (or not) and answer after the drawn latency (or never).
//
// The service processes a request when it arrives and answers after the latency, as a real
// provider charges and then replies: a client that gives up during a slow answer may have been
// charged, which is the ambiguous case the gateway must reconcile.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody, sendJson, singleHeader } from '../http/json-io';
import type { Reply } from '../http/open-responses';
import type { SimulatorState } from '../simulator-state';
import type { ServiceRoute } from './service-routes';

/** The answer to a request a fault failed: the contract's "certainly not processed". */
export const NOT_PROCESSED: Reply = { status: 503, body: { processed: false } };

/** Under `hang`, the share of requests processed before the silence ("may or may not charge"). */
export const HANG_PROCESS_PROBABILITY = 0.5;

export async function serveServiceRequest(state: SimulatorState, route: ServiceRoute, subPath: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { service } = route;
  state.stats.countRequest(service);
  const decision = state.faults.decide(service, route.latency);
  if (decision.kind === 'down') {
    state.stats.countFailure(service);
    sendJson(res, NOT_PROCESSED.status, NOT_PROCESSED.body);
    return;
  }
  if (decision.kind === 'hang') {
    state.stats.countFailure(service);
    state.openResponses.hang(res);
  }
  const body = await readJsonBody(req);
  if (body.kind === 'aborted') return;
  const handle = (): Reply => {
    if (body.kind === 'invalid') return { status: body.status, body: { error: body.message } };
    const idempotencyKey = singleHeader(req, 'idempotency-key');
    return route.handler({ method: req.method ?? 'GET', subPath, idempotencyKey, body: body.kind === 'json' ? body.value : undefined });
  };
  switch (decision.kind) {
    case 'hang':
      if (state.random() < HANG_PROCESS_PROBABILITY) handle();
      return;
    case 'fail':
      state.stats.countFailure(service);
      state.openResponses.replyAfter(res, decision.delayMs, NOT_PROCESSED);
      return;
    case 'serve':
      state.openResponses.replyAfter(res, decision.delayMs, handle());
      return;
  }
}
