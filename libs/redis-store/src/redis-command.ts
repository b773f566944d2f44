import { RedisUnavailableError } from './redis-unavailable.error';
import type { RedisConnection } from './script-loader';

/**
 * Sends a coordination command, or fails fast: at once when the connection is not ready (nothing
 * is queued), and after `timeoutMs` when Redis is slow. A timeout does not mean the command did
 * not run: every script sent through here is safe to repeat.
 */
export async function sendWithin<T>(redis: RedisConnection, timeoutMs: number, send: () => Promise<T>): Promise<T> {
  if (redis.status !== 'ready') throw new RedisUnavailableError(`redis connection is ${redis.status}`);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      send(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RedisUnavailableError(`redis did not answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
