/** A stored value and how long ago it was stored (by the store's clock: Redis time for the fleet). */
export interface StoredEntry {
  value: string;
  ageMs: number;
}

/**
 * Where a read-through cache keeps its entries. The Redis implementation shares them with the
 * fleet; the in-memory one serves tests and single processes.
 */
export interface CacheStore {
  read(key: string): Promise<StoredEntry | undefined>;
  /** Stores `value` as new (age 0); the store may forget it after `ttlMs`. */
  write(key: string, value: string, ttlMs: number): Promise<void>;
  /** Claims the right to refresh `key` for `ttlMs`; false while another holder has it. */
  claimRefresh(key: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseRefresh(key: string, holder: string): Promise<void>;
}
