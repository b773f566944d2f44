// Sends each request to the admin routes or to the simulated service that owns its path.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { serveAdminRequest } from './admin/admin-routes';
import { sendJson } from './http/json-io';
import { serveServiceRequest } from './services/serve-service-request';
import { findServiceRoute, type ServiceRoute } from './services/service-routes';
import type { SimulatorState } from './simulator-state';

export function createRequestListener(state: SimulatorState, routes: readonly ServiceRoute[]): RequestListener {
  return (req, res) => {
    route(state, routes, req, res).catch((error: unknown) => {
      sendJson(res, 500, { error: `simulator error: ${error instanceof Error ? error.message : String(error)}` });
    });
  };
}

async function route(state: SimulatorState, routes: readonly ServiceRoute[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const path = pathOf(req.url ?? '/');
  const service = findServiceRoute(routes, path);
  if (service !== undefined) return serveServiceRequest(state, service.route, service.subPath, req, res);
  if (await serveAdminRequest(state, method, path, req, res)) return;
  sendJson(res, 404, { error: `not found: ${method} ${path}` });
}

/** The path without query string and without a trailing slash (`/_stats/` is `/_stats`). */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
