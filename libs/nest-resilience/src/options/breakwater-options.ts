import type { BreakerConfig, RetryBudgetSettings, RetryOptions } from '@breakwater/resilience';
import type { RedisConnection } from '@breakwater/redis-store';
import type { PolicyObserver } from '@breakwater/telemetry';

/** Retry settings of one downstream; `fleetBudget` bounds retries fleet-wide (on unless `false`). */
export type DownstreamRetrySettings = Omit<RetryOptions, 'budget' | 'clock' | 'random'> & {
  fleetBudget?: boolean | Partial<RetryBudgetSettings>;
};

/** This instance's concurrency for one downstream. */
export interface DownstreamBulkheadSettings {
  maxConcurrent: number;
  maxQueue?: number;
  queueTimeoutMs?: number;
}

/**
 * One downstream's policy chain, `wrap(retry, breaker, bulkhead, timeout)`: the fleet breaker
 * always, each other policy when its setting is given.
 */
export interface DownstreamSettings {
  breaker?: Partial<BreakerConfig>;
  retry?: DownstreamRetrySettings;
  bulkhead?: DownstreamBulkheadSettings;
  /** Per attempt, within the caller's deadline. */
  timeoutMs?: number;
}

/** Timers of the fleet breakers (createFleetBreakers); their defaults suit most fleets. */
export interface FleetTimings {
  flushIntervalMs?: number;
  syncIntervalMs?: number;
  commandTimeoutMs?: number;
  /** How long start-up waits for Redis before the breakers begin deciding locally. */
  readyTimeoutMs?: number;
}

/** Policies' events to metrics and spans (@breakwater/telemetry). */
export interface BreakwaterTelemetry {
  observer: PolicyObserver;
  /** Wrap every chain in a span (tracedCalls). */
  traceCalls?: boolean;
}

export interface BreakwaterOptions {
  /**
   * The coordination Redis: a URL (any REDIS_URL form), whose connection Breakwater makes, owns
   * and closes; or a connection of yours (createCoordinationConnection), which it leaves open.
   */
  redis: string | RedisConnection;
  /** Names this process in the fleet. */
  instanceId: string;
  /** Put before every key and channel, so fleets and tests share a Redis. */
  keyPrefix?: string;
  /** Every downstream by name: its breaker and policy chain. */
  downstreams: Readonly<Record<string, DownstreamSettings>>;
  fleet?: FleetTimings;
  telemetry?: BreakwaterTelemetry;
  /** Bearer token of the admin endpoints when the module's admin controller is on without a guard of your own. */
  adminToken?: string;
}
