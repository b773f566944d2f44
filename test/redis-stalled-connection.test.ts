// A connection whose server goes silent without closing it (a black hole: bytes dropped both
// ways, sockets left open, as a partition that drops packets does) is torn down and reopened, so
// commands succeed again soon after the silence ends (docs/resilience.md, finding 3 of the
// partition runs; libs/redis-store/src/connection/stall-watchdog.ts). Without it a command
// timeout never closes the socket: after a real partition the socket waits for TCP's
// retransmission backoff, and through this proxy, which threw the commands away, every later
// reply is matched to a command that already timed out, so commands keep timing out for good.
// And the silences that are normal are left alone: a slow Redis, a subscriber with no message,
// a queue connection blocked in BZPOPMIN.
import type Redis from 'ioredis';
import { createRedisConnection, type RedisConnection, type RedisRole } from '@breakwater/redis-store';
import { duplicateForPubSub } from '../libs/redis-store/src/channel-subscription';
import { REDIS_CONNECTION_STALLED } from '../libs/redis-store/src/connection/stall-watchdog';
import { redisUrl, uniquePrefix } from './support/redis-server';
import { TcpFaultProxy } from './support/tcp-fault-proxy';
import { sleep, waitFor } from './support/wait-for';

/** The target of issue 7: recovery within 5 s of the fault's end. */
const RECOVERY_TARGET_MS = 5_000;

jest.setTimeout(30_000);

const opened: RedisConnection[] = [];
const proxies: TcpFaultProxy[] = [];
let warnings: jest.SpiedFunction<typeof process.emitWarning>;
/** The stall warnings so far: the watchdog logs once per episode with this code. */
const stallWarnings = (): unknown[] => warnings.mock.calls.filter(([, options]) => typeof options === 'object' && options !== null && 'code' in options && options.code === REDIS_CONNECTION_STALLED);

beforeEach(() => {
  warnings = jest.spyOn(process, 'emitWarning');
});
afterEach(async () => {
  warnings.mockRestore();
  for (const c of opened.splice(0)) c.disconnect();
  for (const p of proxies.splice(0)) await p.close();
});

async function proxyToRedis(): Promise<TcpFaultProxy> {
  const target = new URL(redisUrl());
  const proxy = await TcpFaultProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
  proxies.push(proxy);
  return proxy;
}

/** A connection of `role` through the proxy, once it is ready (coordination and data have no offline queue). */
async function connect(proxy: TcpFaultProxy, role: RedisRole): Promise<Redis> {
  const c = createRedisConnection(`redis://127.0.0.1:${proxy.port}`, role) as Redis;
  c.on('error', () => undefined);
  opened.push(c);
  await waitFor(() => c.status === 'ready', { description: `the ${role} connection ready` });
  return c;
}

/** PINGs every 100 ms, as a busy instance sends commands; remembers when one last succeeded. */
function pingEvery100ms(c: Redis): { lastOkAt: () => number; stop: () => void } {
  let lastOkAt = 0;
  const timer = setInterval(() => {
    c.ping().then(() => (lastOkAt = performance.now()), () => undefined);
  }, 100);
  return { lastOkAt: () => lastOkAt, stop: () => clearInterval(timer) };
}

test('given coordination and data connections sending commands, when Redis goes silent for 3 s and comes back, then both answer again within the recovery target, each logged once', async () => {
  const proxy = await proxyToRedis();
  const connections = [await connect(proxy, 'coordination'), await connect(proxy, 'data')];
  await Promise.all(connections.map((c) => c.ping()));
  const pingers = connections.map(pingEvery100ms);
  try {
    proxy.setToxics({ blackHole: true });
    await sleep(3_000);
    proxy.heal();
    const healedAt = performance.now();
    for (const pinger of pingers) {
      await waitFor(() => pinger.lastOkAt() > healedAt, { timeoutMs: RECOVERY_TARGET_MS, description: 'a PING answered after the heal' });
    }
  } finally {
    for (const pinger of pingers) pinger.stop();
  }
  expect(stallWarnings()).toHaveLength(2);
});

test('given a coordination connection, when every reply is 200 ms late for 3 s (the chaos suite redis-slow fault), then it is never reopened', async () => {
  const proxy = await proxyToRedis();
  const c = await connect(proxy, 'coordination');
  await c.ping();
  const pinger = pingEvery100ms(c);
  try {
    proxy.setToxics({ latencyMs: 200 });
    await sleep(3_000);
  } finally {
    pinger.stop();
    proxy.heal();
  }
  expect(pinger.lastOkAt()).toBeGreaterThan(0);
  expect(proxy.accepted).toBe(1);
  expect(stallWarnings()).toEqual([]);
});

test('given a subscriber with no message for longer than the bound, it stays connected; when Redis goes silent, it is reopened', async () => {
  const proxy = await proxyToRedis();
  const channel = `${uniquePrefix('stall')}channel`;
  const subscriber = await connect(proxy, 'subscriber');
  const publisher = await connect(proxy, 'data');
  const received: string[] = [];
  subscriber.on('message', (_channel: string, message: string) => received.push(message));
  await subscriber.subscribe(channel);
  await sleep(3_000);
  await publisher.publish(channel, 'after a quiet spell');
  await waitFor(() => received.length === 1);
  expect(proxy.accepted).toBe(2);

  let reopened = false;
  subscriber.on('reconnecting', () => (reopened = true));
  proxy.setToxics({ blackHole: true });
  await waitFor(() => reopened, { timeoutMs: RECOVERY_TARGET_MS, description: 'the silent subscriber reopened' });
  proxy.heal();
  expect(stallWarnings().length).toBeGreaterThanOrEqual(1);
});

test('given the fleet subscriber (a duplicate of the coordination connection), when Redis goes silent, then it is reopened too', async () => {
  const proxy = await proxyToRedis();
  const coordination = await connect(proxy, 'coordination');
  const subscriber = duplicateForPubSub(coordination);
  subscriber.on('error', () => undefined);
  opened.push(subscriber);
  await subscriber.subscribe(`${uniquePrefix('stall')}channel`);
  let reopened = false;
  subscriber.on('reconnecting', () => (reopened = true));
  proxy.setToxics({ blackHole: true });
  await waitFor(() => reopened, { timeoutMs: RECOVERY_TARGET_MS, description: 'the silent fleet subscriber reopened' });
  proxy.heal();
});

test('given a queue connection blocked in BZPOPMIN for longer than the bound, then it is left alone', async () => {
  const proxy = await proxyToRedis();
  const c = await connect(proxy, 'queue');
  await c.ping();
  expect(await c.bzpopmin(`${uniquePrefix('stall')}empty`, 3)).toBeNull();
  expect(proxy.accepted).toBe(1);
  expect(stallWarnings()).toEqual([]);
});
