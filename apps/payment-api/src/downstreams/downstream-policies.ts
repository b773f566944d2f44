import { neverReachedDownstream, retryUnlessRefused } from '@breakwater/resilience';
import { BreakwaterRegistry, type BreakwaterOptions, type DownstreamSettings } from '@breakwater/nestjs';
import type { AppConfig } from '../config/app-config';
import { DOWNSTREAMS, PROVIDERS, type DownstreamName, type DownstreamSettings as FileSettings } from '../config/downstream-config';
import type { PolicyTelemetry } from '../telemetry/policy-telemetry';
import { certainlyNotProcessed, isSendFencedError } from './downstream-errors';

/** Every downstream's fleet breaker and policy chain (@breakwater/nestjs), by name. */
export type DownstreamPolicies = BreakwaterRegistry;

const isProvider = (name: DownstreamName): boolean => (PROVIDERS as readonly string[]).includes(name);

/**
 * One downstream's settings file entry as the library's settings. The payment rules live here:
 * a provider's retried send that its fence refused never reached the provider (the breaker's
 * default isIgnored already leaves out a full local bulkhead and a deadline spent before the
 * call started), and a provider is retried only when it certainly did not charge: the same
 * idempotency key would protect a retry after a timeout too, but a hung provider would eat the deadline.
 */
function settingsOf(name: DownstreamName, s: FileSettings): DownstreamSettings {
  const provider = isProvider(name);
  return {
    breaker: provider ? { ...s.breaker, isIgnored: (e) => neverReachedDownstream(e) || isSendFencedError(e) } : s.breaker,
    retry: { ...s.retry, isRetryable: provider ? (e) => retryUnlessRefused(e) && certainlyNotProcessed(e) : retryUnlessRefused },
    bulkhead: { maxConcurrent: s.maxConcurrent, maxQueue: s.maxQueue, queueTimeoutMs: s.queueTimeoutMs },
    timeoutMs: s.timeoutMs,
  };
}

/**
 * The settings file and environment as BreakwaterModule's options: `wrap(retry, breaker,
 * bulkhead, timeout)` per downstream, fleet breakers and fleet retry budgets on the Redis of
 * REDIS_URL. With telemetry every policy is bound to its metrics (and spans), and with tracing on
 * each chain is wrapped in a span.
 */
export function breakwaterOptions(config: AppConfig, telemetry?: PolicyTelemetry): BreakwaterOptions {
  return {
    redis: config.redisUrl,
    instanceId: config.instanceId,
    keyPrefix: config.keyPrefix,
    downstreams: Object.fromEntries(DOWNSTREAMS.map((name) => [name, settingsOf(name, config.downstreams[name])])),
    telemetry: telemetry === undefined ? undefined : { observer: telemetry.observer, traceCalls: telemetry.tracing },
    adminToken: config.auth.adminToken,
  };
}
