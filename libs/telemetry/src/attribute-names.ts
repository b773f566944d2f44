/**
 * Every span name, span attribute and span event `@breakwater/telemetry` writes, in one place
 * (as BullMQ keeps its own in `telemetry-attributes.ts`). Values are low-cardinality: policy
 * names come from configuration, states and reasons from closed lists.
 */
export const SpanAttributes = {
  /** On a downstream call's span: the breaker guarding it. */
  breakerName: 'breakwater.breaker.name',
  /** The breaker's state when it decided (CLOSED, OPEN, HALF_OPEN, FORCED_OPEN, DISABLED). */
  breakerState: 'breakwater.breaker.state',
  /** What the breaker decided for the last attempt: allowed, rejected or probe. */
  decision: 'breakwater.decision',
  downstream: 'breakwater.downstream',
  /** On a failed call's span: the error's stable code, or its class name. */
  errorType: 'error.type',
  transitionFrom: 'breakwater.breaker.from',
  transitionTo: 'breakwater.breaker.to',
  transitionReason: 'breakwater.breaker.reason',
  breakerVersion: 'breakwater.breaker.version',
  /** fleet or local. */
  mode: 'breakwater.mode',
  retryPolicy: 'breakwater.retry.policy',
  /** The attempt about to be made (2 for the first retry), or the attempts made when giving up. */
  retryAttempt: 'breakwater.retry.attempt',
  retryDelayMs: 'breakwater.retry.delay_ms',
  retryGiveUpReason: 'breakwater.retry.reason',
  bulkheadName: 'breakwater.bulkhead.name',
  bulkheadReason: 'breakwater.bulkhead.reason',
  bulkheadInFlight: 'breakwater.bulkhead.in_flight',
  bulkheadQueued: 'breakwater.bulkhead.queued',
  timeoutDownstream: 'breakwater.timeout.downstream',
  timeoutBudgetMs: 'breakwater.timeout.budget_ms',
  /** timeout (the downstream's own limit) or deadline (what was left of the request's). */
  timeoutLimit: 'breakwater.timeout.limit',
  fallbackPolicy: 'breakwater.fallback.policy',
  cacheName: 'breakwater.cache.name',
  /** fresh or stale on a hit; absent or expired on a miss. */
  cacheFreshness: 'breakwater.cache.freshness',
  cacheAgeMs: 'breakwater.cache.age_ms',
  /** On a dead-letter replay's span: the queue the job goes back to, and its id. */
  jobQueue: 'breakwater.job.queue',
  jobId: 'breakwater.job.id',
} as const;

export const SpanEvents = {
  transition: 'breakwater.breaker.transition',
  retry: 'breakwater.retry',
  retryGiveUp: 'breakwater.retry.give_up',
  bulkheadRejected: 'breakwater.bulkhead.rejected',
  timeout: 'breakwater.timeout',
  fallback: 'breakwater.fallback',
  cacheHit: 'breakwater.cache.hit',
  cacheMiss: 'breakwater.cache.miss',
  modeChange: 'breakwater.mode_change',
} as const;

export const Decisions = { allowed: 'allowed', rejected: 'rejected', probe: 'probe' } as const;
export type Decision = (typeof Decisions)[keyof typeof Decisions];

export const SpanNames = {
  /** One per call through a downstream's policy chain, retries included. */
  downstreamCall: (downstream: string): string => `breakwater ${downstream}`,
  /** A transition or mode switch that happened outside any traced call (a flush, a pub/sub message). */
  transition: 'breakwater.breaker.transition',
  modeChange: 'breakwater.mode_change',
  /** A dead letter put back in its queue: in the trace the job came from, linked to the replay request. */
  deadLetterReplay: 'breakwater.dead_letter.replay',
} as const;

/** The tracer's instrumentation scope. */
export const TRACER_NAME = '@breakwater/telemetry';
