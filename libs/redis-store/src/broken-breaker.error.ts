import { ResilienceError } from '@breakwater/resilience';
import { ReplyError } from 'ioredis';
import { UnexpectedReplyError } from './fleet-snapshot';

export const FLEET_BREAKER_BROKEN = 'FLEET_BREAKER_BROKEN';

/**
 * A breaker script failed on this breaker's own data in Redis (a key of the wrong type, a field
 * the scripts cannot read, a reply of the wrong shape): sending it again fails again. The breaker
 * decides locally until a re-read of it succeeds; the rest of the fleet stays with Redis.
 */
export class BrokenFleetBreakerError extends ResilienceError {
  readonly code = FLEET_BREAKER_BROKEN;

  constructor(
    readonly breaker: string,
    override readonly cause: unknown,
  ) {
    super(`breaker ${breaker} cannot use its data in Redis, so it decides locally: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

// Error codes that say something about Redis as a whole (busy, loading, read-only after a
// failover, out of memory, refused by ACL), even when a script's call raised them.
const REDIS_WIDE = new Set(['OOM', 'LOADING', 'BUSY', 'MASTERDOWN', 'READONLY', 'CLUSTERDOWN', 'TRYAGAIN', 'MISCONF', 'NOREPLICAS', 'NOAUTH', 'NOPERM', 'NOSCRIPT', 'MOVED', 'ASK', 'CROSSSLOT']);

/**
 * Whether a failed breaker command failed on that breaker's own data, deterministically: a
 * reply that cannot be parsed, WRONGTYPE, or a Lua runtime error (`user_script`). Timeouts,
 * connection errors and Redis-wide error codes are not: those mean Redis is away or unwell, and
 * switch the whole fleet to local mode.
 */
export function isBreakerDataFault(error: unknown): boolean {
  if (error instanceof UnexpectedReplyError) return true;
  if (!(error instanceof ReplyError)) return false;
  const message = (error as Error).message;
  const code = /^[A-Z]+/.exec(message)?.[0] ?? '';
  if (REDIS_WIDE.has(code)) return false;
  if (code === 'WRONGTYPE') return true;
  return code === 'ERR' && /user_script|Error running script/.test(message);
}
