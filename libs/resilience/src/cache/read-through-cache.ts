import { randomUUID } from 'node:crypto';
import type { ProtectedCall } from '../breaker/breaker';
import { InvalidConfigError } from '../errors/config.error';
import { EventEmitter } from '../events/event';
import { notStartedReason } from '../deadline/deadline';
import { canAbort, NEVER_ABORTED } from '../never-aborted';
import type { CacheStore } from './cache-store';

/** `fresh`: within freshMs. `stale`: older, served because a refresh failed or another instance is refreshing. `loaded`: just fetched. */
export type Freshness = 'fresh' | 'stale' | 'loaded';

export interface CacheResult<T> {
  value: T;
  freshness: Freshness;
  ageMs: number;
  /** Why a stale value was served: the loader's error (stale-if-error), or undefined (another instance refreshes). */
  error?: unknown;
}

export interface CacheOptions<T> {
  /** A value younger than this is served without calling the downstream. */
  freshMs: number;
  /** After freshMs, for this long more, the value is served when a refresh fails or is under way elsewhere. */
  staleMs: number;
  /** How long one instance may hold the right to refresh a key. */
  refreshClaimMs?: number;
  serialize?: (value: T) => string;
  deserialize?: (text: string) => T;
}

export const DEFAULT_REFRESH_CLAIM_MS = 5_000;

export interface CacheLookup {
  cache: string;
  key: string;
  freshness: Freshness | 'miss';
  ageMs?: number;
}

/**
 * A read-through cache with stale-if-error: fresh values are served as they are; a stale value
 * is refreshed by at most one holder at a time (the others keep serving it) and is served when
 * the refresh fails, so a downstream outage or an open breaker degrades to a flagged old answer
 * instead of an error. Reads that find nothing call the loader and fail with it.
 */
export class ReadThroughCache<T> {
  private readonly holder = randomUUID();
  private readonly inFlight = new Map<string, Promise<CacheResult<T>>>();
  private readonly serialize: (value: T) => string;
  private readonly deserialize: (text: string) => T;
  private readonly claimMs: number;
  private readonly lookedUp = new EventEmitter<CacheLookup>();
  readonly onLookup = this.lookedUp.event;

  constructor(
    readonly name: string,
    private readonly store: CacheStore,
    private readonly options: CacheOptions<T>,
  ) {
    const problems: string[] = [];
    if (!(options.freshMs > 0)) problems.push(`freshMs must be greater than 0 (got ${options.freshMs})`);
    if (!(options.staleMs >= 0)) problems.push(`staleMs must be at least 0 (got ${options.staleMs})`);
    this.claimMs = options.refreshClaimMs ?? DEFAULT_REFRESH_CLAIM_MS;
    if (!(this.claimMs > 0)) problems.push(`refreshClaimMs must be greater than 0 (got ${this.claimMs})`);
    if (problems.length > 0) throw new InvalidConfigError(`cache ${name}`, problems);
    this.serialize = options.serialize ?? ((v) => JSON.stringify(v));
    this.deserialize = options.deserialize ?? ((t) => JSON.parse(t) as T);
  }

  async get(key: string, load: ProtectedCall<T>, signal?: AbortSignal): Promise<CacheResult<T>> {
    const entry = await this.store.read(key).catch(() => undefined); // an unreachable cache is a miss
    if (entry === undefined) {
      this.report(key, 'miss');
      return this.loadOnce(key, load, signal);
    }
    const cached = this.deserialize(entry.value);
    if (entry.ageMs < this.options.freshMs) {
      this.report(key, 'fresh', entry.ageMs);
      return { value: cached, freshness: 'fresh', ageMs: entry.ageMs };
    }
    // One refresher per key in the fleet (the claim) and in this process (the in-flight map).
    const claimed = !this.inFlight.has(key) && (await this.store.claimRefresh(key, this.holder, this.claimMs).catch(() => true));
    if (!claimed) {
      this.report(key, 'stale', entry.ageMs);
      return { value: cached, freshness: 'stale', ageMs: entry.ageMs };
    }
    try {
      const result = await this.loadOnce(key, load, signal);
      this.report(key, 'loaded');
      return result;
    } catch (error) {
      this.report(key, 'stale', entry.ageMs);
      return { value: cached, freshness: 'stale', ageMs: entry.ageMs, error };
    } finally {
      await this.store.releaseRefresh(key, this.holder).catch(() => undefined);
    }
  }

  /**
   * Concurrent loads of one key in this process share one downstream call. The shared call is not
   * tied to any one caller's signal (one caller's deadline must not fail the others); each caller
   * stops waiting when its own signal aborts. A caller whose signal has already aborted starts
   * nothing: no one would wait for the load.
   */
  private loadOnce(key: string, load: ProtectedCall<T>, signal: AbortSignal | undefined): Promise<CacheResult<T>> {
    if (canAbort(signal) && signal.aborted) return Promise.reject(notStartedReason(signal.reason));
    let loading = this.inFlight.get(key);
    if (loading === undefined) {
      loading = (async () => {
        try {
          const value = await load(NEVER_ABORTED);
          await this.save(key, value);
          return { value, freshness: 'loaded' as const, ageMs: 0 };
        } finally {
          this.inFlight.delete(key);
        }
      })();
      // Every caller may stop waiting; Node ends the process on a rejection that no one handles.
      loading.catch(() => undefined);
      this.inFlight.set(key, loading);
    }
    return untilAborted(loading, signal);
  }

  private async save(key: string, value: T): Promise<void> {
    // A cache that cannot be written must not fail a read that succeeded.
    await this.store.write(key, this.serialize(value), this.options.freshMs + this.options.staleMs).catch(() => undefined);
  }

  private report(key: string, freshness: Freshness | 'miss', ageMs?: number): void {
    if (this.lookedUp.hasListeners) this.lookedUp.emit({ cache: this.name, key, freshness, ageMs });
  }
}

/** The promise's outcome, or the signal's reason if it aborts first. */
function untilAborted<R>(promise: Promise<R>, signal: AbortSignal | undefined): Promise<R> {
  if (!canAbort(signal)) return promise;
  if (signal.aborted) return Promise.reject(notStartedReason(signal.reason));
  return new Promise<R>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
