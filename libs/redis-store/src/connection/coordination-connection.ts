import type Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { RedisConnection } from '../script-loader';
import { createRedisConnection, createServerConnection, type RoleOverrides } from './create-redis-connection';
import { InvalidRedisUrlError } from './redis-url.error';
import { maskRedisUrl, parseRedisUrl } from './redis-url';

/**
 * A dedicated connection for `createFleetBreakers` (and the bulkhead, budget and cache) to the
 * Redis a URL names, any form: one server, a Cluster, Sentinel.
 */
export function createCoordinationConnection(url: string, overrides: RoleOverrides = {}): RedisConnection {
  return createRedisConnection(url, 'coordination', overrides);
}

/**
 * The same for one server or Sentinel, typed as the `Redis` it is. A Cluster URL is refused:
 * a Cluster client is not a `Redis`; use createCoordinationConnection.
 */
export function createCoordinationRedis(url: string, overrides: RedisOptions = {}): Redis {
  const target = parseRedisUrl(url);
  if (target.kind === 'cluster') throw new InvalidRedisUrlError(maskRedisUrl(url), 'createCoordinationRedis makes one Redis; for a Cluster use createCoordinationConnection');
  return createServerConnection(target, 'coordination', overrides);
}
