// isRedisUnavailable (libs/redis-store) tells "Redis could not be reached" from every other error,
// on the errors ioredis really rejects with: the gateway's error filter answers both 503, but logs
// an outage as one line per 10 s instead of a stack per request (the chaos suite's Redis blips
// printed 310 stacks of MaxRetriesPerRequestError in 10 s).
import Redis, { type RedisOptions } from 'ioredis';
import { isRedisUnavailable, RedisUnavailableError } from '@breakwater/redis-store';
import { findFreePort, redisUrl } from './support/redis-server';
import { TcpFaultProxy } from './support/tcp-fault-proxy';
import { rejectionOf } from './support/wait-for';

const closed: Redis[] = [];
afterEach(() => {
  for (const c of closed.splice(0)) c.disconnect();
});

function connect(url: string, options: RedisOptions): Redis {
  const c = new Redis(url, { retryStrategy: () => 50, ...options });
  c.on('error', () => undefined);
  closed.push(c);
  return c;
}

test('a closed port, with or without an offline queue, and a closed connection: unavailable', async () => {
  const port = await findFreePort();
  const noQueue = connect(`redis://127.0.0.1:${port}`, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  const queued = connect(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 0 });
  const stopped = connect(redisUrl(), { lazyConnect: true });
  stopped.disconnect();
  const errors = await Promise.all([rejectionOf(noQueue.get('k')), rejectionOf(queued.get('k')), rejectionOf(stopped.get('k'))]);
  expect(errors.map((e) => (e as Error).message)).toEqual([expect.stringMatching(/^Stream isn't writeable/), expect.stringMatching(/max retries per request/), 'Connection is closed.']);
  for (const error of errors) expect(isRedisUnavailable(error)).toBe(true);
});

test('a command that times out against a silent Redis: unavailable', async () => {
  const target = new URL(redisUrl());
  const proxy = await TcpFaultProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
  try {
    const c = connect(`redis://127.0.0.1:${proxy.port}`, { commandTimeout: 200, maxRetriesPerRequest: 0 });
    await c.ping();
    proxy.setToxics({ blackHole: true });
    const error = await rejectionOf(c.get('k'));
    expect((error as Error).message).toBe('Command timed out');
    expect(isRedisUnavailable(error)).toBe(true);
  } finally {
    await proxy.close();
  }
});

test('Redis answering with an error, and any other error, are not an outage; our own RedisUnavailableError is', async () => {
  const c = connect(redisUrl(), {});
  const key = `redis-errors-${process.pid}-${Date.now()}`;
  await c.set(key, 'a string');
  try {
    const wrongType = await rejectionOf(c.lpush(key, 'x'));
    const unknown = await rejectionOf(c.call('NO-SUCH-COMMAND'));
    expect(isRedisUnavailable(wrongType)).toBe(false);
    expect(isRedisUnavailable(unknown)).toBe(false);
  } finally {
    await c.del(key);
  }
  expect(isRedisUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
  expect(isRedisUnavailable('Connection is closed.')).toBe(false);
  expect(isRedisUnavailable(new RedisUnavailableError('breaker flush: no answer'))).toBe(true);
});
