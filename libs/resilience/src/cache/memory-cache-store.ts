import { systemClock, type Clock } from '../clock';
import type { CacheStore, StoredEntry } from './cache-store';

/** A CacheStore in this process's memory. */
export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, { value: string; storedAt: number; expiresAt: number }>();
  private readonly claims = new Map<string, { holder: string; expiresAt: number }>();

  constructor(private readonly clock: Clock = systemClock) {}

  async read(key: string): Promise<StoredEntry | undefined> {
    const entry = this.entries.get(key);
    const now = this.clock.now();
    if (entry === undefined || entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return { value: entry.value, ageMs: now - entry.storedAt };
  }

  async write(key: string, value: string, ttlMs: number): Promise<void> {
    const now = this.clock.now();
    this.entries.set(key, { value, storedAt: now, expiresAt: now + ttlMs });
  }

  async claimRefresh(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    const claim = this.claims.get(key);
    if (claim !== undefined && claim.expiresAt > now && claim.holder !== holder) return false;
    this.claims.set(key, { holder, expiresAt: now + ttlMs });
    return true;
  }

  async releaseRefresh(key: string, holder: string): Promise<void> {
    if (this.claims.get(key)?.holder === holder) this.claims.delete(key);
  }
}
