// Stock levels: `GET /<sku>` -> `{"sku","available"}`. Deterministic so tests can rely on it:
// every sku has DEFAULT_AVAILABLE in stock, except those named `oos-...`, which are out of stock.
import { badRequest, decodePathSegment, notFound, type ServiceHandler } from '../service-handler';

export const DEFAULT_AVAILABLE = 100;
export const OUT_OF_STOCK_PREFIX = 'oos-';

export function availableStock(sku: string): number {
  return sku.startsWith(OUT_OF_STOCK_PREFIX) ? 0 : DEFAULT_AVAILABLE;
}

export const inventoryHandler: ServiceHandler = (request) => {
  const segment = request.subPath.slice(1);
  if (request.method !== 'GET' || segment === '' || segment.includes('/')) return notFound(request);
  const sku = decodePathSegment(segment);
  if (sku === undefined) return badRequest(['the sku in the path is not valid URL encoding']);
  return { status: 200, body: { sku, available: availableStock(sku) } };
};
