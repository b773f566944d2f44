import { Registry } from 'prom-client';
import { collectProcessMetrics } from './process-metrics';

describe('collectProcessMetrics', () => {
  it('registers the runtime series with no gauge named like a counter, keeping the per-type gauges', async () => {
    const registry = new Registry();
    collectProcessMetrics(registry);
    const metrics = await registry.getMetricsAsJSON();
    const names = metrics.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['process_cpu_seconds_total', 'process_start_time_seconds', 'nodejs_eventloop_lag_seconds', 'nodejs_active_handles']));
    expect(metrics.filter((m) => m.name.endsWith('_total') && String(m.type) !== 'counter').map((m) => m.name)).toEqual([]);
  });
});
