import type { CacheStore, StoredEntry } from '@breakwater/resilience';
import { cacheEntryKeys, checkKeyPrefix } from './keys';
import { sendWithin } from './redis-command';
import { defineScript, type RedisConnection, type ScriptCall } from './script-loader';

export interface RedisCacheStoreOptions {
  redis: RedisConnection;
  keyPrefix?: string;
  /** The cache's name: its keys are `<prefix>bw:cache:{<cache>:<key>}`. */
  cache: string;
  commandTimeoutMs?: number;
}

export const DEFAULT_CACHE_COMMAND_TIMEOUT_MS = 100;

/**
 * The fleet's shared cache: entries, their age by Redis time, and the refresh claim that lets one
 * instance at a time refresh a key. Every operation fails fast; the read-through cache treats a
 * failed read as a miss and a failed write as nothing.
 */
export class RedisCacheStore implements CacheStore {
  private readonly readEntry: ScriptCall;
  private readonly writeEntry: ScriptCall;
  private readonly claim: ScriptCall;
  private readonly release: ScriptCall;
  private readonly keyPrefix: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: RedisCacheStoreOptions) {
    this.keyPrefix = options.keyPrefix ?? '';
    checkKeyPrefix(this.keyPrefix);
    cacheEntryKeys(this.keyPrefix, options.cache, 'probe'); // checks the cache name now, not on first use
    this.timeoutMs = options.commandTimeoutMs ?? DEFAULT_CACHE_COMMAND_TIMEOUT_MS;
    this.readEntry = defineScript(options.redis, { file: 'read-cache-entry-1.lua' });
    this.writeEntry = defineScript(options.redis, { file: 'write-cache-entry-1.lua' });
    this.claim = defineScript(options.redis, { file: 'claim-refresh-1.lua' });
    this.release = defineScript(options.redis, { file: 'release-refresh-1.lua' });
  }

  async read(key: string): Promise<StoredEntry | undefined> {
    const reply = await this.send(() => this.readEntry([this.keys(key).entry], []));
    if (!Array.isArray(reply)) return undefined;
    return { value: String(reply[0]), ageMs: Number(reply[1]) };
  }

  async write(key: string, value: string, ttlMs: number): Promise<void> {
    await this.send(() => this.writeEntry([this.keys(key).entry], [value, Math.max(1, Math.ceil(ttlMs))]));
  }

  async claimRefresh(key: string, holder: string, ttlMs: number): Promise<boolean> {
    return Number(await this.send(() => this.claim([this.keys(key).refresh], [holder, Math.max(1, Math.ceil(ttlMs))]))) === 1;
  }

  async releaseRefresh(key: string, holder: string): Promise<void> {
    await this.send(() => this.release([this.keys(key).refresh], [holder]));
  }

  private keys(key: string): { entry: string; refresh: string } {
    return cacheEntryKeys(this.keyPrefix, this.options.cache, key);
  }

  private send<T>(command: () => Promise<T>): Promise<T> {
    return sendWithin(this.options.redis, this.timeoutMs, command);
  }
}
