export * from './metric-names';
export * from './attribute-names';
export * from './policy-observer';
export { ResilienceMetrics } from './metrics/resilience-metrics';
export { ResilienceTracing } from './tracing/resilience-tracing';
export { tracedCalls, type TracedCallsOptions } from './tracing/traced-calls';
export { activeTraceparent, contextOfTraceparent, inTraceOf } from './tracing/traceparent';
export { collectProcessMetrics } from './metrics/process-metrics';
