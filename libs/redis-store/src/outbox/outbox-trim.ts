import type { RedisConnection, ScriptCall } from '../script-loader';
import { earliestStreamId } from './stream-ids';

/**
 * A consumer of a group with nothing pending that got no entry for this long is forgotten: each
 * instance that ever ran is a consumer, and the group would otherwise list every one of them for
 * ever. (On Redis 7.0 an empty read does not refresh a consumer's idle time, so a live instance
 * on a quiet shard qualifies too; forgetting it is harmless, its next read makes it again.)
 */
export const STALE_CONSUMER_MS = 60 * 60_000;

interface GroupInfo {
  name: string;
  pending: number;
  lastDeliveredId: string;
}

/** XINFO GROUPS as flat field lists: `name`, `pending`, `last-delivered-id`, ... */
function parseGroups(reply: unknown): GroupInfo[] {
  if (!Array.isArray(reply)) return [];
  return reply.filter(Array.isArray).map((flat: unknown[]) => {
    const f = new Map<string, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) f.set(String(flat[i]), flat[i + 1]);
    return { name: String(f.get('name')), pending: Number(f.get('pending')), lastDeliveredId: String(f.get('last-delivered-id')) };
  });
}

/**
 * Removes the entries every group is done with, and returns how many went. An entry is done
 * for a group once it was delivered (at or before the group's last-delivered id) and is not
 * pending (acknowledged). So everything before the earliest of, over the groups, the oldest
 * pending entry or else the last delivered one can go. Groups only move forward, so a trim
 * computed from a slightly old look removes less, never more. A stream missing one of `groups`
 * (not created yet) is not trimmed: that group still has everything to read.
 */
export async function trimAcknowledged(redis: RedisConnection, stream: string, groups: readonly string[]): Promise<number> {
  const infos = parseGroups(await redis.xinfo('GROUPS', stream));
  const ours = groups.map((name) => infos.find((g) => g.name === name));
  if (ours.some((g) => g === undefined)) return 0;
  const keepFrom = await Promise.all(
    (ours as GroupInfo[]).map(async (g) => {
      if (g.pending === 0) return g.lastDeliveredId;
      const summary = (await redis.xpending(stream, g.name)) as unknown[];
      return typeof summary[1] === 'string' ? summary[1] : g.lastDeliveredId;
    }),
  );
  const minId = earliestStreamId(keepFrom);
  if (minId === undefined || minId === '0-0') return 0;
  return Number(await redis.xtrim(stream, 'MINID', minId));
}

/**
 * Forgets the group's consumers other than `self` that have had nothing pending and no entry for
 * STALE_CONSUMER_MS. The delete checks again that nothing is pending in the same step
 * (forget-idle-consumer-1.lua): a consumer that took an entry since the look keeps it.
 */
export async function forgetStaleConsumers(redis: RedisConnection, forget: ScriptCall, p: { stream: string; group: string; self: string }): Promise<number> {
  const reply = (await redis.xinfo('CONSUMERS', p.stream, p.group)) as unknown;
  if (!Array.isArray(reply)) return 0;
  let forgotten = 0;
  for (const flat of reply.filter(Array.isArray) as unknown[][]) {
    const f = new Map<string, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) f.set(String(flat[i]), flat[i + 1]);
    const name = String(f.get('name'));
    if (name === p.self || Number(f.get('pending')) !== 0 || Number(f.get('idle')) < STALE_CONSUMER_MS) continue;
    forgotten += Number(await forget([p.stream], [p.group, name]));
  }
  return forgotten;
}
