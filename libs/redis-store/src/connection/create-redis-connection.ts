import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisConnection } from '../script-loader';
import { ROLE_OPTIONS, type RedisRole } from './connection-roles';
import type { ClusterRedisTarget, RedisTarget, SentinelRedisTarget, SingleRedisTarget } from './redis-target';
import { parseRedisUrl } from './redis-url';
import { watchConnection, watchForStallOf } from './watch-connection';

/** Options a caller may change on top of a role's (a patient test, a connection name). */
export type RoleOverrides = Omit<RedisOptions, 'host' | 'port' | 'path' | 'sentinels' | 'name' | 'db' | 'username' | 'password' | 'tls'>;

/** How often a Cluster client re-reads the slot map by itself; a failover also triggers a re-read. */
export const CLUSTER_SLOTS_REFRESH_MS = 2_000;

/**
 * A connection for `role` to the Redis a `REDIS_URL` names: one server, a Cluster or Sentinel.
 * Throws InvalidRedisUrlError for a URL it cannot use, before anything connects. Coordination,
 * data and subscriber connections that get no reply for DEFAULT_STALL_AFTER_MS are torn down and
 * reopened (stall-watchdog.ts).
 */
export function createRedisConnection(url: string | RedisTarget, role: RedisRole, overrides: RoleOverrides = {}): RedisConnection {
  const target = typeof url === 'string' ? parseRedisUrl(url) : url;
  if (target.kind === 'cluster') return watchConnection(new Cluster(target.seeds, clusterOptions(target, { ...ROLE_OPTIONS[role], ...overrides })), role);
  return createServerConnection(target, role, overrides);
}

/** One server, or the master Sentinel names: both a plain `Redis` client. */
export function createServerConnection(target: SingleRedisTarget | SentinelRedisTarget, role: RedisRole, overrides: RoleOverrides = {}): Redis {
  const options: RedisOptions = { ...ROLE_OPTIONS[role], ...overrides };
  return watchForStallOf(new Redis(target.kind === 'single' ? singleOptions(target, options) : sentinelOptions(target, options)), role);
}

export function singleOptions(target: SingleRedisTarget, options: RedisOptions): RedisOptions {
  return { ...options, ...target.address, db: target.db, ...credentials(target), ...(target.tls ? { tls: { servername: target.address.host } } : {}) };
}

export function sentinelOptions(target: SentinelRedisTarget, options: RedisOptions): RedisOptions {
  return {
    ...options,
    sentinels: target.sentinels,
    name: target.masterName,
    db: target.db,
    ...credentials(target),
    ...(target.sentinelUsername === undefined ? {} : { sentinelUsername: target.sentinelUsername }),
    // Without a separate sentinel password, the sentinels are asked with the servers' (often one ACL for both).
    ...(target.sentinelPassword ?? target.password) === undefined ? {} : { sentinelPassword: target.sentinelPassword ?? target.password },
    // Without it a client stays on a demoted master for about 11 s after a failover (issue 11),
    // writing what the old master then discards; with it, about 1 s.
    failoverDetector: true,
    ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
  };
}

/**
 * A Cluster takes the offline queue and the reconnect rule itself, and everything else per node
 * (`redisOptions`). Reads go to masters: a replica may not yet hold what a script just wrote.
 */
export function clusterOptions(target: ClusterRedisTarget, options: RedisOptions): ClusterOptions {
  const { enableOfflineQueue, retryStrategy, enableReadyCheck, lazyConnect, ...node } = options;
  const retry = retryStrategy ?? ((attempt: number) => Math.min(100 * attempt, 1_000));
  return {
    enableOfflineQueue: enableOfflineQueue ?? true,
    enableReadyCheck: enableReadyCheck ?? true,
    lazyConnect: lazyConnect ?? false,
    scaleReads: 'master',
    slotsRefreshInterval: CLUSTER_SLOTS_REFRESH_MS,
    clusterRetryStrategy: (times) => retry(times) ?? undefined,
    redisOptions: { ...node, ...credentials(target), ...(target.tls ? { tls: {} } : {}) },
  };
}

function credentials(target: RedisTarget): Pick<RedisOptions, 'username' | 'password'> {
  return { ...(target.username === undefined ? {} : { username: target.username }), ...(target.password === undefined ? {} : { password: target.password }) };
}
