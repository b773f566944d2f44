// A BreakwaterRegistry given a bad setting throws InvalidConfigError and leaves no connection
// behind: before, the coordination connection it had opened (and the fleet's subscriber) stayed
// connected, which kept a process that caught the error alive. Checked on a private redis-server
// by its own client list.
import Redis from 'ioredis';
import { InvalidConfigError } from '@breakwater/resilience';
import { BreakwaterRegistry } from '@breakwater/nestjs';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server';
import { sleep } from '../support/wait-for';

describe('BreakwaterRegistry with a bad setting', () => {
  let server: RedisServerHandle;
  let observer: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    observer = new Redis(server.url);
  });

  afterAll(async () => {
    observer?.disconnect();
    await server?.cleanup();
  });

  const clients = async (): Promise<number> => String(await observer.client('LIST')).trim().split('\n').length;

  it('throws InvalidConfigError and closes the connections it opened', async () => {
    expect(await clients()).toBe(1);

    expect(() => new BreakwaterRegistry({ redis: server.url, instanceId: 'bad-config', downstreams: { good: {}, bad: { breaker: { minimumCalls: -1 } } } })).toThrow(InvalidConfigError);

    // Long enough for a connection left open to be up (it connects in a few ms on loopback).
    await sleep(1_000);
    expect(await clients()).toBe(1);
  });
});
