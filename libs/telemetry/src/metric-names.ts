/**
 * Every Prometheus series `@breakwater/telemetry` registers, in one place. The names follow
 * resilience4j's Micrometer binding (`resilience4j_circuitbreaker_state` becomes
 * `breakwater_circuitbreaker_state`), so dashboards and alerts written for it read the same.
 * Every label value is bounded: policy names come from configuration, never from a request.
 */
export const MetricNames = {
  /** Gauge, 1 for the state the breaker is in and 0 for the others; labels name, state. */
  breakerState: 'breakwater_circuitbreaker_state',
  /** Histogram of the duration of calls the breaker let through; labels name, kind (successful|failed|ignored). */
  breakerCalls: 'breakwater_circuitbreaker_calls_seconds',
  /** Counter of finished calls slower than slowCallDurationMs; labels name, kind (successful|failed). */
  breakerSlowCalls: 'breakwater_circuitbreaker_slow_calls_total',
  /** Counter of calls refused without reaching the downstream; label name. */
  breakerNotPermitted: 'breakwater_circuitbreaker_not_permitted_calls_total',
  /** Gauge, failures / calls in the window this instance sees (the fleet's for a fleet breaker); label name. */
  breakerFailureRate: 'breakwater_circuitbreaker_failure_rate',
  /** Gauge, slow calls / calls in that window; label name. */
  breakerSlowCallRate: 'breakwater_circuitbreaker_slow_call_rate',
  /** Gauge, calls in that window; label name. */
  breakerBufferedCalls: 'breakwater_circuitbreaker_buffered_calls',
  /** Counter of state changes this instance saw; labels name, from, to. */
  breakerTransitions: 'breakwater_circuitbreaker_transitions_total',
  /** Gauge, current limit minus calls running; label name. */
  bulkheadAvailable: 'breakwater_bulkhead_available_concurrent_calls',
  /** Gauge, the current (maybe adaptive) limit; label name. */
  bulkheadMaxAllowed: 'breakwater_bulkhead_max_allowed_concurrent_calls',
  /** Gauge, calls running; label name. */
  bulkheadInFlight: 'breakwater_bulkhead_in_flight_calls',
  /** Gauge, calls waiting for a slot; label name. */
  bulkheadQueued: 'breakwater_bulkhead_queued_calls',
  /** Counter of refused calls; labels name, reason (full|queue-timeout|fleet-full). */
  bulkheadRejected: 'breakwater_bulkhead_rejected_calls_total',
  /** Counter of calls through a retry policy; labels name, kind (successful_without_retry|successful_with_retry|failed_without_retry|failed_with_retry). */
  retryCalls: 'breakwater_retry_calls_total',
  /** Gauge, tokens left in a retry budget as this instance last saw it (a retry takes one); label name (the budget's). */
  retryBudgetAvailable: 'breakwater_retry_budget_available_tokens',
  /** Gauge, the most tokens the budget can hold; label name (the budget's). */
  retryBudgetMax: 'breakwater_retry_budget_max_tokens',
  /** Counter of retries the budget refused (the call failed without them); label name (the retry policy's). */
  retryBudgetRefused: 'breakwater_retry_budget_refused_retries_total',
  /** Counter of calls that ran out of time; labels name, limit (timeout|deadline). */
  timeouts: 'breakwater_timelimiter_timeouts_total',
  /** Counter of answers given by a fallback; label name. */
  fallbackCalls: 'breakwater_fallback_calls_total',
  /** Counter of lookups answered from the cache; labels name, freshness (fresh|stale). */
  cacheHits: 'breakwater_cache_hits_total',
  /** Counter of lookups that went to the downstream; labels name, kind (absent|expired). */
  cacheMisses: 'breakwater_cache_misses_total',
  /** Gauge, 1 for the mode the fleet breakers decide in and 0 for the other; label mode (fleet|local). */
  fleetMode: 'breakwater_fleet_mode',
  /** Counter of switches between the modes; label mode (the one switched to). */
  fleetModeChanges: 'breakwater_fleet_mode_changes_total',
  /**
   * Gauge, 1 for a fleet breaker deciding on this instance alone (Redis, or on a Cluster the shard
   * holding its keys, does not answer; or its data is broken), 0 for one deciding with the fleet; label name.
   */
  fleetBreakerLocalMode: 'breakwater_fleet_breaker_local_mode',
} as const;

/** Seconds: from a fast cache-backed call to a provider's slow-call threshold and beyond. */
export const CALL_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];
