// Redis memory per payment (issue 14): a payment's audit stream holds two to four entries, and at
// Redis' default stream-node-max-bytes (4096) its first node alone takes about 4 KB, most of what
// a payment keeps. Given the setting of each Redis configuration we ship (the launcher's and
// deploy/redis/redis.conf), when a real redis-server runs with it and a payment's two audit
// entries are appended, then the stream takes under 2 KB.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { redisConfig } from '../scripts/fleet/parts/redis';
import { startRedisServer, type RedisServerHandle } from './support/redis-server';

const SHIPPED: Record<string, string> = {
  'the launcher (scripts/fleet/parts/redis.ts)': redisConfig(6399, '/tmp/unused', { adminPassword: 'x'.repeat(32), app: { user: 'app', password: 'y'.repeat(32) } }),
  'deploy/redis/redis.conf': readFileSync(join(__dirname, '..', 'deploy', 'redis', 'redis.conf'), 'utf8'),
};
const MAX_AUDIT_STREAM_BYTES = 2048;

const streamNodeMaxBytes = (config: string): string[] => {
  const value = /^stream-node-max-bytes\s+(\S+)\s*$/m.exec(config)?.[1];
  return value === undefined ? [] : ['--stream-node-max-bytes', value];
};

const auditEntry = (status: string): string[] => ['type', `payment.${status.toLowerCase()}`, 'status', status, 'at', '1764633600123', 'data', JSON.stringify({ amount: 1299, currency: 'EUR', provider: 'provider-a', reason: 'charged by provider-a' })];

describe.each(Object.entries(SHIPPED))('Redis as %s', (_, config) => {
  let server: RedisServerHandle;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedisServer({ extraArgs: streamNodeMaxBytes(config) });
    redis = new Redis(server.url, { lazyConnect: true });
    await redis.connect();
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.cleanup();
  });

  it(`keeps a payment's two audit entries in under ${MAX_AUDIT_STREAM_BYTES} bytes`, async () => {
    await redis.xadd('pay:{3}:p-1:audit', '*', ...auditEntry('RECEIVED'));
    await redis.xadd('pay:{3}:p-1:audit', '*', ...auditEntry('AUTHORIZED'));
    const bytes = Number(await redis.memory('USAGE', 'pay:{3}:p-1:audit'));
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(MAX_AUDIT_STREAM_BYTES);
  });
});
