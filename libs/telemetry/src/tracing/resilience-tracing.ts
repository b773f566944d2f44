import { trace, type Attributes, type Tracer } from '@opentelemetry/api';
import { BreakerState, type Disposable } from '@breakwater/resilience';
import { Decisions, SpanAttributes as A, SpanEvents, SpanNames, TRACER_NAME } from '../attribute-names';
import { disposeAll, type ObservedBreaker, type ObservedBulkhead, type ObservedCache, type ObservedFallback, type ObservedFleet, type ObservedRetry, type ObservedRetryBudget, type ObservedTimeout, type PolicyObserver } from '../policy-observer';
import { recordDecision } from './call-trace';
import { errorType } from './error-type';

/** Adds an event to the span of whatever is running now; nothing when no span is recording. */
function addEvent(name: string, attributes: Attributes): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) span.addEvent(name, attributes);
}

/**
 * Turns the policies' events into span events on the running span (a downstream call's, from
 * tracedCalls, or a request's) and the breaker's decisions into its call span's attributes.
 * Bind it only when tracing is on: with tracing off, nothing listens and nothing is paid.
 */
export class ResilienceTracing implements PolicyObserver {
  constructor(private readonly tracer: Tracer = trace.getTracer(TRACER_NAME)) {}

  breaker(breaker: ObservedBreaker): Disposable {
    const name = breaker.name;
    return disposeAll([
      breaker.onCallRejected((r) => recordDecision(name, Decisions.rejected, r.state)),
      breaker.onCallRecorded((r) => (r.kind === 'probe' ? recordDecision(name, Decisions.probe, BreakerState.HALF_OPEN) : recordDecision(name, Decisions.allowed))),
      breaker.onStateChange((c) =>
        this.announce(SpanEvents.transition, SpanNames.transition, {
          [A.breakerName]: c.breaker,
          [A.transitionFrom]: c.from,
          [A.transitionTo]: c.to,
          [A.transitionReason]: c.reason,
          [A.breakerVersion]: c.version,
          [A.mode]: c.mode,
        }),
      ),
    ]);
  }

  bulkhead(bulkhead: ObservedBulkhead): Disposable {
    return bulkhead.onRejected((r) => addEvent(SpanEvents.bulkheadRejected, { [A.bulkheadName]: r.bulkhead, [A.bulkheadReason]: r.reason, [A.bulkheadInFlight]: r.inFlight, [A.bulkheadQueued]: r.queued }));
  }

  /** Nothing to trace: a refused retry is already the call span's give-up event (reason `budget`). */
  retryBudget(_budget: ObservedRetryBudget): Disposable {
    return { dispose: () => undefined };
  }

  retry(retry: ObservedRetry): Disposable {
    return disposeAll([
      retry.onRetry((r) => addEvent(SpanEvents.retry, { [A.retryPolicy]: r.policy, [A.retryAttempt]: r.attempt, [A.retryDelayMs]: r.delayMs, [A.errorType]: errorType(r.error) })),
      retry.onGiveUp((g) => addEvent(SpanEvents.retryGiveUp, { [A.retryPolicy]: g.policy, [A.retryAttempt]: g.attempts, [A.retryGiveUpReason]: g.reason, [A.errorType]: errorType(g.error) })),
    ]);
  }

  timeout(timeout: ObservedTimeout): Disposable {
    return timeout.onTimeout((t) => addEvent(SpanEvents.timeout, { [A.timeoutDownstream]: t.downstream, [A.timeoutBudgetMs]: t.budgetMs, [A.timeoutLimit]: t.limit }));
  }

  fallback(fallback: ObservedFallback): Disposable {
    return fallback.onFallback((f) => addEvent(SpanEvents.fallback, { [A.fallbackPolicy]: f.policy, [A.errorType]: errorType(f.error) }));
  }

  cache(cache: ObservedCache): Disposable {
    return cache.onLookup((l) => {
      const hit = l.freshness === 'fresh' || l.freshness === 'stale';
      const attributes: Attributes = { [A.cacheName]: l.cache, [A.cacheFreshness]: hit ? l.freshness : l.freshness === 'miss' ? 'absent' : 'expired' };
      if (l.ageMs !== undefined) attributes[A.cacheAgeMs] = l.ageMs;
      addEvent(hit ? SpanEvents.cacheHit : SpanEvents.cacheMiss, attributes);
    });
  }

  fleet(fleet: ObservedFleet): Disposable {
    return fleet.onModeChange((m) => this.announce(SpanEvents.modeChange, SpanNames.modeChange, { [A.mode]: m.mode, ...(m.cause === undefined ? {} : { [A.errorType]: errorType(m.cause) }) }));
  }

  /**
   * A transition or mode switch: an event on the running span, or, when it happened outside any
   * (a flush timer, a pub/sub message from another instance), a short span of its own, so that it
   * is in the traces either way.
   */
  private announce(event: string, spanName: string, attributes: Attributes): void {
    const active = trace.getActiveSpan();
    if (active !== undefined) {
      // A span sampled out stays out: no root span of our own in its place.
      if (active.isRecording()) active.addEvent(event, attributes);
      return;
    }
    const span = this.tracer.startSpan(spanName, { attributes, root: true });
    span.addEvent(event, attributes);
    span.end();
  }
}
