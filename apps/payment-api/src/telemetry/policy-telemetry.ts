import { observeWith, ResilienceMetrics, ResilienceTracing, type PolicyObserver } from '@breakwater/telemetry';
import type { Registry } from 'prom-client';

/** What the gateway hands its policies: who watches them, and whether calls get spans. */
export interface PolicyTelemetry {
  observer: PolicyObserver;
  tracing: boolean;
}

/** Metrics always (on the app's registry, so GET /metrics shows them); spans only when tracing is on. */
export function createPolicyTelemetry(registry: Registry, tracing: boolean): PolicyTelemetry {
  const metrics = new ResilienceMetrics(registry);
  return { observer: tracing ? observeWith(metrics, new ResilienceTracing()) : metrics, tracing };
}
