import type { RedisConnection } from '../script-loader';
import { parseEntries, type OutboxEntry } from './outbox-entry';

/** Redis's answer when a stream or its group is gone (a flushed or restarted Redis without persistence). */
export const isNoGroupError = (error: unknown): boolean => error instanceof Error && error.message.startsWith('NOGROUP');

/** Creates the group at the stream's start (and the stream, if missing); an existing group is left as it is. */
export async function ensureGroup(redis: RedisConnection, stream: string, group: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
  }
}

/** Up to `count` entries never delivered to the group, now delivered to `consumer`. */
export async function readNew(redis: RedisConnection, stream: string, group: string, consumer: string, count: number): Promise<OutboxEntry[]> {
  const reply = (await redis.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>')) as unknown;
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const [first] = reply as unknown[][];
  return parseEntries(stream, first?.[1]);
}

/**
 * Up to `count` entries delivered to some consumer of the group and not acknowledged for
 * `minIdleMs` (a consumer that died, or a follow-up that failed), now `consumer`'s, from `cursor`.
 * Returns them and the cursor to go on from ('0-0': the whole list was seen).
 */
export async function claimIdle(redis: RedisConnection, p: { stream: string; group: string; consumer: string; minIdleMs: number; cursor: string; count: number }): Promise<{ entries: OutboxEntry[]; next: string }> {
  const reply = (await redis.xautoclaim(p.stream, p.group, p.consumer, p.minIdleMs, p.cursor, 'COUNT', p.count)) as unknown[];
  const next = typeof reply[0] === 'string' ? reply[0] : '0-0';
  return { entries: parseEntries(p.stream, reply[1]), next };
}

export async function acknowledge(redis: RedisConnection, stream: string, group: string, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await redis.xack(stream, group, ...ids);
}
