// The control surface for tests and demos: faults, the provider ledger, notification deliveries,
// request stats, reset and health. None of it is subject to faults.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseFaultSettings } from '../faults/fault-settings';
import { readJsonBody, sendJson } from '../http/json-io';
import { isServiceName, SERVICE_NAMES } from '../service-names';
import { resetSimulatorState, type SimulatorState } from '../simulator-state';

const FAULTS_PATH = '/_faults';

/** Answers the request if it is an admin route; false when it is not one. */
export async function serveAdminRequest(state: SimulatorState, method: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const route = `${method} ${path}`;
  switch (route) {
    case 'GET /health':
      sendJson(res, 200, { status: 'ok' });
      return true;
    case `GET ${FAULTS_PATH}`:
      sendJson(res, 200, state.faults.list());
      return true;
    case `DELETE ${FAULTS_PATH}`:
      state.faults.clearAll();
      sendJson(res, 200, state.faults.list());
      return true;
    case 'GET /_ledger':
      sendJson(res, 200, state.ledger.snapshot());
      return true;
    case 'GET /_deliveries':
      sendJson(res, 200, state.deliveries.snapshot());
      return true;
    case 'GET /_stats':
      sendJson(res, 200, state.stats.snapshot());
      return true;
    case 'POST /_reset':
      resetSimulatorState(state);
      sendJson(res, 200, { reset: true });
      return true;
  }
  if (path.startsWith(`${FAULTS_PATH}/`) && (method === 'PUT' || method === 'DELETE')) {
    await serveServiceFault(state, method, path.slice(FAULTS_PATH.length + 1), req, res);
    return true;
  }
  return false;
}

async function serveServiceFault(state: SimulatorState, method: 'PUT' | 'DELETE', service: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!isServiceName(service)) {
    sendJson(res, 404, { error: `unknown service "${service}"`, services: SERVICE_NAMES });
    return;
  }
  if (method === 'DELETE') {
    state.faults.clear(service);
    sendJson(res, 200, state.faults.list());
    return;
  }
  const body = await readJsonBody(req);
  if (body.kind === 'aborted') return;
  if (body.kind === 'invalid') {
    sendJson(res, body.status, { error: body.message });
    return;
  }
  const parsed = parseFaultSettings(body.kind === 'json' ? body.value : undefined);
  if (!parsed.ok) {
    sendJson(res, 400, { error: `invalid fault for ${service}: ${parsed.errors.join('; ')}`, errors: parsed.errors });
    return;
  }
  sendJson(res, 200, { service, fault: state.faults.set(service, parsed.settings) });
}
