// What the Redis of a fleet under test did and holds, read beside the load on a connection of
// its own (the fleet's app user, from its redisUrlFile): INFO commandstats (every command,
// those run inside Lua scripts included), memory and key counts, and for Breakwater the lag
// of the payment outbox's consumer groups (XINFO GROUPS: entries not read yet, and read but
// not acknowledged). The URL may name one server or a Cluster (any REDIS_URL form): on a
// Cluster each master answers INFO and DBSIZE for its own slots only, so they are summed over
// every master (a replica's counters repeat its master's writes and are left out).
import { readFile } from 'node:fs/promises';
import { Cluster, type Redis } from 'ioredis';
import { createRedisConnection, type RedisConnection } from '@breakwater/redis-store';
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
  private constructor(private readonly redis: RedisConnection) {}

  static async open(redisUrlFile: string): Promise<RedisProbe> {
    const url = (await readFile(redisUrlFile, 'utf8')).trim();
    // The data role's settings, but INFO on a busy machine may take longer than its 1 s timeout.
    const redis = createRedisConnection(url, 'data', { lazyConnect: true, commandTimeout: 5_000 });
    await redis.connect();
    return new RedisProbe(redis);
  }

  async read(): Promise<RedisReading> {
    const readings = await Promise.all(this.masters().map(readOne));
    const commands = new Map<string, number>();
    for (const r of readings) for (const [name, calls] of r.commands) commands.set(name, (commands.get(name) ?? 0) + calls);
    return { commands, usedMemory: readings.reduce((a, r) => a + r.usedMemory, 0), keys: readings.reduce((a, r) => a + r.keys, 0) };
  }

  /** The servers that hold data: the Cluster's masters, or the one server. */
  private masters(): Redis[] {
    if (!(this.redis instanceof Cluster)) return [this.redis];
    const masters = this.redis.nodes('master');
    if (masters.length === 0) throw new Error('the Cluster connection knows no master yet');
    return masters;
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

async function readOne(redis: Redis): Promise<RedisReading> {
  const [commands, memory, keys] = await Promise.all([commandStats(redis), redis.info('memory'), redis.dbsize()]);
  const used = /^used_memory:(\d+)/m.exec(memory);
  return { commands, usedMemory: Number(used?.[1] ?? 0), keys };
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
