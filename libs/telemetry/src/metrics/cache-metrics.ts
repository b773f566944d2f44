import type { Disposable } from '@breakwater/resilience';
import { Counter, type Registry } from 'prom-client';
import { MetricNames } from '../metric-names';
import type { ObservedCache } from '../policy-observer';

/** Cache lookups: hits by freshness, misses by why the downstream was asked. */
export class CacheMetrics {
  private readonly hits: Counter<'name' | 'freshness'>;
  private readonly misses: Counter<'name' | 'kind'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.hits = new Counter({ name: MetricNames.cacheHits, help: 'Lookups answered from the cache: fresh, or stale (the refresh failed or another instance refreshes)', labelNames: ['name', 'freshness'], registers });
    this.misses = new Counter({ name: MetricNames.cacheMisses, help: 'Lookups answered by the downstream: absent (nothing cached) or expired (a stale entry this instance refreshed)', labelNames: ['name', 'kind'], registers });
  }

  bind(cache: ObservedCache): Disposable {
    const name = cache.name;
    return cache.onLookup((l) => {
      if (l.freshness === 'fresh' || l.freshness === 'stale') this.hits.inc({ name, freshness: l.freshness });
      else this.misses.inc({ name, kind: l.freshness === 'miss' ? 'absent' : 'expired' });
    });
  }
}
