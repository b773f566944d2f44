import { InvalidConfigError } from '@breakwater/resilience';

/** The Redis keys of one breaker. The `{name}` hash tag puts them in one Cluster slot. */
export interface BreakerKeys {
  state: string;
  window: string;
  permits: string;
  /** Per instance session, the highest batch sequence counted (record-outcomes-4.lua). */
  sequences: string;
}

// A brace in a prefix or a name would move the hash tag and split a breaker across slots.
const NO_BRACES = /^[^{}]*$/;

export function checkKeyPrefix(keyPrefix: string): void {
  if (!NO_BRACES.test(keyPrefix)) throw new InvalidConfigError('fleet breakers', [`keyPrefix must not contain { or } (got ${JSON.stringify(keyPrefix)})`]);
}

export function breakerKeys(keyPrefix: string, name: string): BreakerKeys {
  if (name.length === 0 || !NO_BRACES.test(name)) throw new InvalidConfigError(`breaker ${JSON.stringify(name)}`, ['a breaker name must be non-empty and contain no { or }']);
  const base = `${keyPrefix}bw:{${name}}:`;
  return {
    state: `${base}state`,
    window: `${base}window`,
    permits: `${base}permits`,
    sequences: `${base}sequences`,
  };
}

/** One channel per key prefix carries every breaker's transitions. */
export const transitionsChannel = (keyPrefix: string): string => `${keyPrefix}bw:transitions`;

function checkTagPart(what: string, value: string): void {
  if (value.length === 0 || !NO_BRACES.test(value)) throw new InvalidConfigError(`${what} ${JSON.stringify(value)}`, [`a ${what} must be non-empty and contain no { or }`]);
}

/** The lease set of a fleet-wide bulkhead. */
export function bulkheadLeasesKey(keyPrefix: string, name: string): string {
  checkTagPart('bulkhead name', name);
  return `${keyPrefix}bw:{bulkhead:${name}}:leases`;
}

/** The token bucket of a fleet-wide retry budget. */
export function retryBudgetKey(keyPrefix: string, name: string): string {
  checkTagPart('retry budget name', name);
  return `${keyPrefix}bw:{retry-budget:${name}}`;
}

/** A cache entry and its refresh claim, under one hash tag. */
export function cacheEntryKeys(keyPrefix: string, cache: string, key: string): { entry: string; refresh: string } {
  checkTagPart('cache name', cache);
  checkTagPart('cache key', key);
  const base = `${keyPrefix}bw:cache:{${cache}:${key}}`;
  return { entry: base, refresh: `${base}:refresh` };
}
