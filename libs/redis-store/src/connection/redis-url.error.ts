import { ResilienceError } from '@breakwater/resilience';

export const REDIS_URL_INVALID = 'REDIS_URL_INVALID';

/**
 * A `REDIS_URL` this library cannot use. Raised at start-up, before any connection is made, so a
 * typo is a message rather than a hang (ioredis reads an unknown form as a Unix socket path) or
 * a crash (`select NaN`). The message never carries the URL's password.
 */
export class InvalidRedisUrlError extends ResilienceError {
  readonly code = REDIS_URL_INVALID;

  constructor(
    /** The URL with any password replaced by `***`. */
    readonly url: string,
    readonly problem: string,
  ) {
    super(`invalid REDIS_URL ${url}: ${problem}. Forms: redis://[user:pass@]host[:port][/db], rediss://... (TLS), redis-cluster://[user:pass@]h1:p1,h2:p2 (seed nodes; rediss-cluster:// for TLS), redis-sentinel://[user:pass@]s1:p1,s2:p2[/db][?sentinelPassword=...]#mastername (rediss-sentinel:// for TLS)`);
  }
}
