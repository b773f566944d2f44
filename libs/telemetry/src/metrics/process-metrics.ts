import { collectDefaultMetrics, type Registry } from 'prom-client';

/*
 * prom-client's default metrics include three gauges named like counters (a `_total` suffix on a
 * gauge), which `promtool check metrics` reports and which `rate()` would misread. Each is the sum
 * of a gauge it also exports by type: sum without (type) (nodejs_active_handles) is the same number.
 */
const MISNAMED_DEFAULT_GAUGES: readonly string[] = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The process and Node.js runtime series (CPU, memory, event loop lag, GC, handles) that pass promtool's lint. */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
}
