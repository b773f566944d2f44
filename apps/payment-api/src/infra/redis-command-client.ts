import type Redis from 'ioredis';
import type { RedisConnection } from '@breakwater/redis-store';

/**
 * payments/, dashboard/ and jobs/ still type the connection they are given as ioredis `Redis`
 * (theirs to widen to RedisConnection). Every command they send (scripts through defineCommand,
 * GET/SET, hashes, sorted sets, streams, a MULTI on one key, PING, TIME) exists on a Cluster
 * client with the same signature and is routed by its key, and BullMQ takes either; so a Cluster
 * is handed to them under that name. Remove once they take RedisConnection.
 */
export function asCommandClient(connection: RedisConnection): Redis {
  return connection as Redis;
}
