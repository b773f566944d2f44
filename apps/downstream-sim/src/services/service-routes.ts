// Which service answers under which path, and how long it usually takes. Medians follow what
// such services typically take inside one data centre; the log-normal tail gives a few slow calls.
import { logNormalLatency, type LatencyDistribution } from '../latency/latency-distribution';
import type { ServiceName } from '../service-names';
import type { SimulatorState } from '../simulator-state';
import { fraudHandler } from './fraud/fraud-handler';
import { inventoryHandler } from './inventory/inventory-handler';
import { createNotifyHandler } from './notify/notify-handler';
import { createProviderHandler } from './providers/provider-handler';
import type { ServiceHandler } from './service-handler';

export interface ServiceRoute {
  service: ServiceName;
  /** `/providers/a`: the service answers this path and everything under it. */
  pathPrefix: string;
  latency: LatencyDistribution;
  handler: ServiceHandler;
}

export const DEFAULT_LATENCY = {
  provider: logNormalLatency(15, 0.5, 500),
  fraud: logNormalLatency(5, 0.5, 200),
  inventory: logNormalLatency(3, 0.4, 100),
  notify: logNormalLatency(5, 0.5, 200),
} as const;

export function createServiceRoutes(state: SimulatorState): ServiceRoute[] {
  return [
    { service: 'provider-a', pathPrefix: '/providers/a', latency: DEFAULT_LATENCY.provider, handler: createProviderHandler('provider-a', state.ledger) },
    { service: 'provider-b', pathPrefix: '/providers/b', latency: DEFAULT_LATENCY.provider, handler: createProviderHandler('provider-b', state.ledger) },
    { service: 'provider-c', pathPrefix: '/providers/c', latency: DEFAULT_LATENCY.provider, handler: createProviderHandler('provider-c', state.ledger) },
    { service: 'inventory', pathPrefix: '/inventory', latency: DEFAULT_LATENCY.inventory, handler: inventoryHandler },
    { service: 'fraud', pathPrefix: '/fraud', latency: DEFAULT_LATENCY.fraud, handler: fraudHandler },
    { service: 'notify-email', pathPrefix: '/notify/email', latency: DEFAULT_LATENCY.notify, handler: createNotifyHandler('notify-email', state.deliveries) },
    { service: 'notify-sms', pathPrefix: '/notify/sms', latency: DEFAULT_LATENCY.notify, handler: createNotifyHandler('notify-sms', state.deliveries) },
    { service: 'notify-push', pathPrefix: '/notify/push', latency: DEFAULT_LATENCY.notify, handler: createNotifyHandler('notify-push', state.deliveries) },
  ];
}

/** The route whose prefix the path is or starts with, and the rest of the path. */
export function findServiceRoute(routes: readonly ServiceRoute[], path: string): { route: ServiceRoute; subPath: string } | undefined {
  for (const route of routes) {
    if (path === route.pathPrefix || path.startsWith(`${route.pathPrefix}/`)) return { route, subPath: path.slice(route.pathPrefix.length) };
  }
  return undefined;
}
