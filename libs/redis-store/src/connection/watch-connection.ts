import Redis, { Cluster } from 'ioredis';
import type { RedisConnection } from '../script-loader';
import type { RedisRole } from './connection-roles';
import { DEFAULT_STALL_WATCHDOG, watchForStall, type StallWatchdogSettings } from './stall-watchdog';

/**
 * The roles whose connections are torn down when Redis stops answering (stall-watchdog.ts). Not
 * `queue`: BullMQ's blocking commands (BZPOPMIN, XREADGROUP BLOCK) legitimately get no reply for
 * as long as they block, and a PING behind them would wait as long.
 */
export const WATCHED_ROLES: ReadonlySet<RedisRole> = new Set<RedisRole>(['coordination', 'data', 'subscriber']);

/**
 * Puts the stall watchdog on a connection of `role`: on a `Redis` (one server, Sentinel's master)
 * itself, on a Cluster on each node connection as the Cluster opens it. A Cluster's own pub/sub
 * connection is ioredis's internal one, out of reach (docs/redis-deployments.md).
 */
export function watchConnection(connection: RedisConnection, role: RedisRole, settings: StallWatchdogSettings = DEFAULT_STALL_WATCHDOG): RedisConnection {
  if (!WATCHED_ROLES.has(role)) return connection;
  if (connection instanceof Cluster) {
    const watchNode = (node: Redis): void => void watchForStall(node, settings);
    for (const node of connection.nodes('all')) watchNode(node);
    connection.on('+node', watchNode);
    return connection;
  }
  watchForStall(connection, settings);
  return connection;
}

/** The same for a `Redis`, typed as one. */
export function watchForStallOf(connection: Redis, role: RedisRole, settings: StallWatchdogSettings = DEFAULT_STALL_WATCHDOG): Redis {
  if (WATCHED_ROLES.has(role)) watchForStall(connection, settings);
  return connection;
}
