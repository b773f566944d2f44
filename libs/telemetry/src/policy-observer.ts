import type {
  Breaker,
  BreakerMode,
  BulkheadRejected,
  CacheLookup,
  Disposable,
  Event,
  FallbackUsed,
  ModeChange,
  RetryGivenUp,
  RetryScheduled,
  RetrySucceeded,
  TimedOut,
} from '@breakwater/resilience';

/*
 * What a binder needs of each policy: its name, its typed events and, for gauges, what it holds
 * now. Structural, so the fleet variants (FleetBreaker, FleetBulkhead) fit without this library
 * depending on @breakwater/redis-store.
 */
export type ObservedBreaker = Pick<Breaker, 'name' | 'state' | 'snapshot' | 'onStateChange' | 'onCallRejected' | 'onCallRecorded'>;

export interface ObservedBulkhead {
  readonly name: string;
  readonly inFlight: number;
  /** Absent for a bulkhead without a queue of its own (the fleet-wide one). */
  readonly queued?: number;
  /** Absent where the limit is the fleet's, not this instance's. */
  readonly currentLimit?: number;
  readonly onRejected: Event<BulkheadRejected>;
}

export interface ObservedRetry {
  readonly name: string;
  readonly onRetry: Event<RetryScheduled>;
  readonly onGiveUp: Event<RetryGivenUp>;
  readonly onSuccess: Event<RetrySucceeded>;
}

/** A retry budget: how many retries it can still pay for, read when scraped. */
export interface ObservedRetryBudget {
  readonly name: string;
  /** Tokens left; a retry takes a whole one. */
  readonly available: number;
  readonly settings: { readonly maxTokens: number };
}

export interface ObservedTimeout {
  readonly downstream: string;
  readonly onTimeout: Event<TimedOut>;
}

export interface ObservedFallback {
  readonly name: string;
  readonly onFallback: Event<FallbackUsed>;
}

export interface ObservedCache {
  readonly name: string;
  readonly onLookup: Event<CacheLookup>;
}

/** The fleet breakers' switch between deciding with Redis and deciding alone, as a whole and per breaker. */
export interface ObservedFleet {
  readonly mode: BreakerMode;
  readonly onModeChange: Event<ModeChange>;
  /** Every breaker of the fleet (its name), read when scraped. */
  list(): readonly { readonly name: string }[];
  /** The names of the breakers deciding alone now (on a Cluster, those whose shard does not answer). */
  localBreakers(): readonly string[];
}

/**
 * Turns policies' events into something: metrics, spans. Each method subscribes and hands back
 * the disposable that stops it, so a policy built later (or dropped) is bound (or unbound) alone.
 */
export interface PolicyObserver {
  breaker(breaker: ObservedBreaker): Disposable;
  bulkhead(bulkhead: ObservedBulkhead): Disposable;
  retry(retry: ObservedRetry): Disposable;
  retryBudget(budget: ObservedRetryBudget): Disposable;
  timeout(timeout: ObservedTimeout): Disposable;
  fallback(fallback: ObservedFallback): Disposable;
  cache(cache: ObservedCache): Disposable;
  fleet(fleet: ObservedFleet): Disposable;
}

/** Subscriptions undone together. */
export const disposeAll = (subscriptions: readonly Disposable[]): Disposable => ({ dispose: () => subscriptions.forEach((s) => s.dispose()) });

/** One observer that hands every policy to each of `observers` (metrics and tracing, say). */
export function observeWith(...observers: PolicyObserver[]): PolicyObserver {
  const each =
    <A>(bind: (o: PolicyObserver, a: A) => Disposable) =>
    (a: A): Disposable =>
      disposeAll(observers.map((o) => bind(o, a)));
  return {
    breaker: each((o, b: ObservedBreaker) => o.breaker(b)),
    bulkhead: each((o, b: ObservedBulkhead) => o.bulkhead(b)),
    retry: each((o, r: ObservedRetry) => o.retry(r)),
    retryBudget: each((o, b: ObservedRetryBudget) => o.retryBudget(b)),
    timeout: each((o, t: ObservedTimeout) => o.timeout(t)),
    fallback: each((o, f: ObservedFallback) => o.fallback(f)),
    cache: each((o, c: ObservedCache) => o.cache(c)),
    fleet: each((o, f: ObservedFleet) => o.fleet(f)),
  };
}
