import { existsSync } from 'node:fs';
import Redis from 'ioredis';
import { pingRedis, redisUrl, startRedisServer, uniquePrefix, type RedisServerHandle } from './redis-server';

function client(url: string): Redis {
  // Fail fast: no reconnect loop, no offline queue, so a dead server shows up at once.
  return new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
}

async function roundTrip(url: string, key: string, value: string): Promise<string | null> {
  const redis = client(url);
  try {
    await redis.connect();
    await redis.set(key, value);
    return await redis.get(key);
  } finally {
    redis.disconnect();
  }
}

describe('startRedisServer: a private redis-server a test can kill and restart', () => {
  let server: RedisServerHandle | undefined;

  afterEach(async () => {
    await server?.cleanup();
    server = undefined;
  });

  it('starts on a free port, answers commands, and survives kill + restart on the same port', async () => {
    server = await startRedisServer();
    const { port, url, dir } = server;
    expect(url).toBe(`redis://127.0.0.1:${port}`);
    expect(existsSync(dir)).toBe(true);
    expect(await roundTrip(url, 'k', 'v1')).toBe('v1');

    await server.kill();
    expect(server.isRunning()).toBe(false);
    expect(await pingRedis(port)).toBe(false);

    await server.restart();
    expect(server.port).toBe(port);
    expect(server.isRunning()).toBe(true);
    expect(await pingRedis(port)).toBe(true);
    // --save "" and --appendonly no: a restarted server starts empty.
    const redis = client(url);
    await redis.connect();
    expect(await redis.get('k')).toBeNull();
    redis.disconnect();
  });

  it('stops gracefully and restarts while running', async () => {
    server = await startRedisServer();
    await server.restart(); // stops the running server first
    expect(await pingRedis(server.port)).toBe(true);
    await server.stop();
    expect(server.isRunning()).toBe(false);
    expect(await pingRedis(server.port)).toBe(false);
  });

  it('cleanup kills the server and removes its directory, and is safe to repeat', async () => {
    const handle = await startRedisServer();
    await handle.cleanup();
    expect(handle.isRunning()).toBe(false);
    expect(await pingRedis(handle.port)).toBe(false);
    expect(existsSync(handle.dir)).toBe(false);
    await handle.cleanup();
    await expect(handle.restart()).rejects.toThrow(/cleaned up/);
  });

  it('fails with the redis-server output when the requested port is taken', async () => {
    server = await startRedisServer();
    await expect(startRedisServer({ port: server.port })).rejects.toThrow(/exited early[\s\S]*--- redis-server output ---[\s\S]*in use/i);
  });

  it('fails clearly when the binary does not exist', async () => {
    await expect(startRedisServer({ binary: '/nonexistent/redis-server' })).rejects.toThrow(/could not be spawned.*ENOENT/);
  });
});

describe('shared-Redis helpers', () => {
  it('redisUrl defaults to 127.0.0.1:6379 and honours REDIS_URL', () => {
    const saved = process.env.REDIS_URL;
    try {
      delete process.env.REDIS_URL;
      expect(redisUrl()).toBe('redis://127.0.0.1:6379');
      process.env.REDIS_URL = 'redis://example:6380';
      expect(redisUrl()).toBe('redis://example:6380');
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });

  it('uniquePrefix gives each caller its own key space', () => {
    const a = uniquePrefix('breaker');
    const b = uniquePrefix('breaker');
    expect(a).toMatch(/^test:breaker:[0-9a-f]{8}:$/);
    expect(a).not.toBe(b);
  });
});
