// What the Redis of a fleet under test did and holds, read beside the load on a connection of
// its own (the fleet's app user, from its redisUrlFile): INFO commandstats (every command,
// those run inside Lua scripts included), memory and key counts, and for Breakwater the lag
// of the payment outbox's consumer groups (XINFO GROUPS: entries not read yet, and read but
// not acknowledged).
import { readFile } from 'node:fs/promises';
import Redis from 'ioredis';
import { commandStats, statsDelta } from '../bench-support';

export interface RedisReading {
  commands: Map<string, number>;
  usedMemory: number;
  keys: number;
}

export interface OutboxLag {
  /** group -> entries not yet read plus read and not acknowledged, over every shard. */
  byGroup: Map<string, number>;
}

/** Shards of the payment outbox (apps/payment-api/src/payments/payment-shards.ts). */
const OUTBOX_SHARDS = 16;

export class RedisProbe {
  private constructor(private readonly redis: Redis) {}

  static async open(redisUrlFile: string): Promise<RedisProbe> {
    const url = (await readFile(redisUrlFile, 'utf8')).trim();
    const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
    await redis.connect();
    return new RedisProbe(redis);
  }

  async read(): Promise<RedisReading> {
    const [commands, memory, keys] = await Promise.all([commandStats(this.redis), this.redis.info('memory'), this.redis.dbsize()]);
    const used = /^used_memory:(\d+)/m.exec(memory);
    return { commands, usedMemory: Number(used?.[1] ?? 0), keys };
  }

  /** The payment outbox's groups (key prefix ''); empty for a fleet that has none (the bare gateway). */
  async outboxLag(): Promise<OutboxLag> {
    const byGroup = new Map<string, number>();
    const replies = await Promise.all(Array.from({ length: OUTBOX_SHARDS }, (_, shard) => this.redis.xinfo('GROUPS', `pay:outbox:{${shard}}`).catch(() => [])));
    for (const reply of replies) {
      if (!Array.isArray(reply)) continue;
      for (const flat of reply.filter(Array.isArray) as unknown[][]) {
        const f = new Map<string, unknown>();
        for (let i = 0; i + 1 < flat.length; i += 2) f.set(String(flat[i]), flat[i + 1]);
        const name = String(f.get('name'));
        const waiting = Number(f.get('lag') ?? 0) + Number(f.get('pending') ?? 0);
        byGroup.set(name, (byGroup.get(name) ?? 0) + (Number.isFinite(waiting) ? waiting : 0));
      }
    }
    return { byGroup };
  }

  close(): void {
    this.redis.disconnect();
  }
}

/** Commands between two readings, INFO itself left out. */
export function commandsBetween(before: RedisReading, after: RedisReading): Map<string, number> {
  const delta = statsDelta(before.commands, after.commands);
  delta.delete('info');
  delta.delete('dbsize');
  delta.delete('xinfo|groups');
  delta.delete('xinfo');
  return delta;
}
