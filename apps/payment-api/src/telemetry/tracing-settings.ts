/**
 * Tracing is on only when there is somewhere to send spans: an OTLP endpoint (the general one or
 * the traces one), and not switched off with OTEL_SDK_DISABLED. Off, the SDK is never loaded and
 * the policies are neither wrapped nor listened to: no cost at all.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  return nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) || nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

const nonEmpty = (value: string | undefined): boolean => value !== undefined && value.trim() !== '';

/** The service name spans carry unless OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) says otherwise. */
export const DEFAULT_SERVICE_NAME = 'payment-api';

/** Requests not worth a trace: scrapes and probes arrive every few seconds. */
export const UNTRACED_PATHS: readonly string[] = ['/metrics', '/health/live', '/health/ready'];

/**
 * OTEL_RESOURCE_ATTRIBUTES with `service.instance.id` set to this instance's id, so a trace in
 * Jaeger names the instance that served it as /metrics does (instance_id). An id the operator
 * already gave there wins. Values are percent-encoded, as the variable's syntax requires.
 */
export function resourceAttributesWithInstance(existing: string | undefined, instanceId: string): string {
  const current = (existing ?? '').trim();
  const given = current.split(',').some((pair) => pair.split('=')[0]?.trim() === 'service.instance.id');
  if (given) return current;
  const own = `service.instance.id=${encodeURIComponent(instanceId)}`;
  return current === '' ? own : `${current},${own}`;
}
