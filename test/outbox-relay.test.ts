// The outbox relay (libs/redis-store/src/outbox): every entry reaches every consumer group, at
// least once, whatever fails in between: a follow-up that throws, a consumer that dies holding
// entries, a stream that disappears (Redis flushed), Redis itself going away. Entries every group
// is done with are trimmed, and nothing else. Real Redis: the shared one with a unique prefix, and
// one of the test's own for the outage.
import Redis from 'ioredis';
import { defineScript, OutboxRelay, trimAcknowledged, type OutboxEntry, type OutboxGroup, type OutboxRelayFailure } from '@breakwater/redis-store';
import { TcpFaultProxy } from './support/tcp-fault-proxy';
import { deleteKeysByPrefix, redisUrl, startRedisServer, uniquePrefix } from './support/redis-server';
import { sleep, waitFor } from './support/wait-for';

const prefix = uniquePrefix('outbox-relay');
const streams = [`${prefix}outbox:{0}`, `${prefix}outbox:{1}`];
let redis: Redis;
const relays: OutboxRelay[] = [];

/** A group that records what it was handed; `fails` decides which entries throw (and so stay pending). */
function recordingGroup(name: string, fails: (e: OutboxEntry) => boolean = () => false): OutboxGroup & { seen: string[] } {
  const seen: string[] = [];
  return {
    name,
    seen,
    handle: async (entry) => {
      seen.push(entry.fields.n);
      if (fails(entry)) throw new Error(`${name} refused ${entry.fields.n}`);
    },
  };
}

function relay(groups: OutboxGroup[], consumer: string, options: { reclaimIdleMs?: number; connection?: Redis } = {}): OutboxRelay {
  // Timers far away: the test drives reads and reclaims itself, except where it says otherwise.
  const r = new OutboxRelay({ redis: options.connection ?? redis, streams, groups, consumer, pollMs: 60_000, trimMs: 60_000, reclaimIdleMs: options.reclaimIdleMs ?? 60_000 });
  relays.push(r);
  return r;
}

const append = (stream: string, n: number): Promise<string | null> => redis.xadd(stream, '*', 'n', String(n));

/** Counts the XREADGROUP commands a connection sends. */
function watchReads(connection: Redis): { count: number } {
  const counter = { count: 0 };
  const send = connection.sendCommand.bind(connection);
  connection.sendCommand = ((command: Parameters<Redis['sendCommand']>[0], stream?: Parameters<Redis['sendCommand']>[1]) => {
    if (command.name === 'xreadgroup') counter.count++;
    return send(command, stream);
  }) as Redis['sendCommand'];
  return counter;
}

beforeAll(() => {
  redis = new Redis(redisUrl());
});

afterEach(async () => {
  for (const r of relays.splice(0)) await r.stop();
  await deleteKeysByPrefix(redisUrl(), prefix);
});

afterAll(async () => {
  await redis.quit();
});

test('every group gets every entry of every stream once, and acknowledges it', async () => {
  const audit = recordingGroup('audit');
  const notify = recordingGroup('notify');
  const r = relay([audit, notify], 'i-1');
  r.start();
  for (let n = 0; n < 5; n++) await append(streams[n % 2], n);
  await r.drain();
  expect(audit.seen.sort()).toEqual(['0', '1', '2', '3', '4']);
  expect(notify.seen.sort()).toEqual(['0', '1', '2', '3', '4']);
  for (const stream of streams) for (const group of ['audit', 'notify']) expect((await redis.xpending(stream, group))[0]).toBe(0);
  await r.drain();
  expect(audit.seen).toHaveLength(5);
});

test('a kick reads the stream at once, without waiting for the poll', async () => {
  const audit = recordingGroup('audit');
  const r = relay([audit], 'i-1');
  r.start();
  await waitFor(async () => (await redis.exists(streams[0])) === 1, { timeoutMs: 2_000, description: 'the groups created' });
  await append(streams[0], 7);
  r.kick(streams[0]);
  await waitFor(() => audit.seen.includes('7'), { timeoutMs: 1_000, intervalMs: 10, description: 'the kicked read' });
});

test('a group that takes batches gets the entries of every stream read in one round together; a batch that fails leaves every one of them pending', async () => {
  const batches: string[][] = [];
  let failing = true;
  const audit: OutboxGroup = {
    name: 'audit',
    handle: () => Promise.reject(new Error('a batch group is never handed one entry')),
    handleBatch: async (entries) => {
      batches.push(entries.map((e) => e.fields.n).sort());
      if (failing) throw new Error('the batch failed');
    },
  };
  const r = relay([audit], 'i-1', { reclaimIdleMs: 200 });
  const failures: OutboxRelayFailure[] = [];
  r.onFailure((f) => failures.push(f));
  r.start();
  for (let n = 0; n < 6; n++) await append(streams[n % 2], n);
  await r.drain();
  expect(batches).toEqual([['0', '1', '2', '3', '4', '5']]);
  expect(failures.map((f) => [f.stream, f.entries]).sort()).toEqual([[streams[0], 3], [streams[1], 3]].sort());
  for (const stream of streams) expect((await redis.xpending(stream, 'audit'))[0]).toBe(3);

  failing = false;
  await sleep(250);
  await r.reclaim();
  expect(batches.slice(1).flat().sort()).toEqual(['0', '1', '2', '3', '4', '5']);
  for (const stream of streams) expect((await redis.xpending(stream, 'audit'))[0]).toBe(0);
});

test('an idle relay polls less and less often (up to idlePollMs), and an entry found brings the poll back to pollMs', async () => {
  const reader = new Redis(redisUrl());
  const reads = watchReads(reader);
  const audit = recordingGroup('audit');
  const r = new OutboxRelay({ redis: reader, streams, groups: [audit], consumer: 'i-1', pollMs: 50, idlePollMs: 400, trimMs: 60_000, reclaimIdleMs: 60_000 });
  relays.push(r);
  try {
    r.start();
    await sleep(2_000);
    // Every 50 ms that would be 40 polls of 2 streams; doubling up to 400 ms, about 9.
    const idle = reads.count;
    expect(idle).toBeLessThanOrEqual(2 * 12);
    expect(idle).toBeGreaterThanOrEqual(2 * 4);
    await append(streams[0], 1);
    await waitFor(() => audit.seen.includes('1'), { timeoutMs: 2_000, description: 'the entry found by a poll' });
  } finally {
    await r.stop();
    reader.disconnect();
  }
});

test('an entry whose follow-up failed stays pending for that group only, and is delivered again once idle for the reclaim time', async () => {
  let failing = true;
  const notify = recordingGroup('notify', () => failing);
  const audit = recordingGroup('audit');
  const r = relay([audit, notify], 'i-1', { reclaimIdleMs: 200 });
  const failures: OutboxRelayFailure[] = [];
  r.onFailure((f) => failures.push(f));
  r.start();
  await append(streams[0], 1);
  await r.drain();
  expect(failures).toEqual([expect.objectContaining({ stream: streams[0], group: 'notify', entries: 1 })]);
  expect((await redis.xpending(streams[0], 'notify'))[0]).toBe(1);
  expect((await redis.xpending(streams[0], 'audit'))[0]).toBe(0);

  failing = false;
  await r.reclaim(); // not idle long enough yet: nothing claimed
  expect(notify.seen).toEqual(['1']);
  await sleep(250);
  await r.reclaim();
  expect(notify.seen).toEqual(['1', '1']);
  expect((await redis.xpending(streams[0], 'notify'))[0]).toBe(0);
  expect(audit.seen).toEqual(['1']);
});

test('entries a consumer took and never acknowledged (it died) are claimed by another one, by the reclaim timer alone', async () => {
  // The dead consumer: read, never acknowledged.
  await redis.xgroup('CREATE', streams[1], 'audit', '0', 'MKSTREAM');
  await append(streams[1], 1);
  await append(streams[1], 2);
  await redis.xreadgroup('GROUP', 'audit', 'dead-instance', 'COUNT', 10, 'STREAMS', streams[1], '>');
  const audit = recordingGroup('audit');
  const r = relay([audit], 'i-2', { reclaimIdleMs: 300 });
  r.start();
  await waitFor(() => audit.seen.length === 2, { timeoutMs: 3_000, description: 'the dead consumer\'s entries claimed' });
  expect(audit.seen.sort()).toEqual(['1', '2']);
  await waitFor(async () => (await redis.xpending(streams[1], 'audit'))[0] === 0, { timeoutMs: 1_000, description: 'acknowledged' });
});

test('a stream that disappears (Redis flushed) gets its groups again, and its new entries are delivered', async () => {
  const audit = recordingGroup('audit');
  const r = relay([audit], 'i-1');
  const failures: OutboxRelayFailure[] = [];
  r.onFailure((f) => failures.push(f));
  r.start();
  await r.drain();
  await redis.del(...streams);
  await r.drain(); // NOGROUP: the groups are made again
  await append(streams[0], 9);
  await r.drain();
  expect(audit.seen).toEqual(['9']);
  expect(failures).toEqual([]);
});

test('a kick whose read finds the stream without its groups (Redis flushed) makes them and reads the entry at once, not at the next (backed-off) poll', async () => {
  const audit = recordingGroup('audit');
  const r = relay([audit], 'i-1');
  r.start();
  await r.drain();
  await redis.del(...streams);
  // A local write after the flush: its script makes the stream, without groups, and kicks.
  await append(streams[0], 11);
  r.kick(streams[0]);
  await waitFor(() => audit.seen.includes('11'), { timeoutMs: 3_000, intervalMs: 10, description: 'the kicked entry delivered without a poll' });
});

test('trimming removes what every group is done with, and keeps everything from the oldest entry still pending in any group', async () => {
  const audit = recordingGroup('audit');
  const notify = recordingGroup('notify', (e) => e.fields.n === '2');
  const r = relay([audit, notify], 'i-1');
  r.start();
  for (let n = 1; n <= 4; n++) await append(streams[0], n);
  await r.drain();
  expect(await trimAcknowledged(redis, streams[0], ['audit', 'notify'])).toBe(1); // entry 1 only: 2 is pending for notify
  expect((await redis.xrange(streams[0], '-', '+')).map(([, f]) => f[1])).toEqual(['2', '3', '4']);
  // A group that does not exist yet still has everything to read: nothing is trimmed.
  expect(await trimAcknowledged(redis, streams[0], ['audit', 'notify', 'later'])).toBe(0);
});

test('a follow-up that throws rather than rejects is one failed entry, left pending, never a rejection of the relay', async () => {
  const throwing: OutboxGroup = {
    name: 'audit',
    handle: (entry) => {
      if (entry.fields.n === '1') throw new Error('thrown, not rejected');
      return Promise.resolve();
    },
  };
  const r = relay([throwing], 'i-1');
  const failures: OutboxRelayFailure[] = [];
  r.onFailure((f) => failures.push(f));
  r.start();
  await append(streams[0], 1);
  await append(streams[0], 2);
  await r.drain();
  expect(failures).toEqual([expect.objectContaining({ group: 'audit', entries: 1, error: expect.objectContaining({ message: 'thrown, not rejected' }) })]);
  expect((await redis.xpending(streams[0], 'audit'))[0]).toBe(1);
});

test('forgetting an idle consumer is refused, in the same step, while it has an entry pending: deleting it would drop the entry for good', async () => {
  const forget = defineScript(redis, { file: 'forget-idle-consumer-1.lua' });
  await redis.xgroup('CREATE', streams[0], 'reconcile', '0', 'MKSTREAM');
  const id = await append(streams[0], 1);
  await redis.xreadgroup('GROUP', 'reconcile', 'instance-b', 'COUNT', 1, 'STREAMS', streams[0], '>');
  expect(await forget([streams[0]], ['reconcile', 'instance-b'])).toBe(0);
  expect((await redis.xpending(streams[0], 'reconcile'))[0]).toBe(1);
  await redis.xack(streams[0], 'reconcile', String(id));
  expect(await forget([streams[0]], ['reconcile', 'instance-b'])).toBe(1);
  expect(await redis.xinfo('CONSUMERS', streams[0], 'reconcile')).toEqual([]);
});

test('stop does not wait for a reclaim pass to walk every stream when Redis has gone silent', async () => {
  const target = new URL(redisUrl());
  const proxy = await TcpFaultProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
  // The instance's data connection: a command gives up after 1 s.
  const connection = new Redis(`redis://127.0.0.1:${proxy.port}`, { enableOfflineQueue: false, commandTimeout: 1_000, maxRetriesPerRequest: 0 });
  connection.on('error', () => undefined);
  await new Promise((resolve) => connection.once('ready', resolve));
  const many = Array.from({ length: 16 }, (_, n) => `${prefix}outbox:{silent-${n}}`);
  const r = new OutboxRelay({ redis: connection, streams: many, groups: [recordingGroup('audit')], consumer: 'i-1', pollMs: 60_000, trimMs: 60_000, reclaimIdleMs: 60_000 });
  r.onFailure(() => undefined);
  try {
    r.start();
    await r.drain();
    await waitFor(async () => (await redis.exists(many[15])) === 1, { timeoutMs: 3_000, description: 'the groups created' });
    proxy.setToxics({ blackHole: true });
    const reclaiming = r.reclaim();
    await sleep(100);
    const stopping = r.stop();
    const stoppedFirst = await Promise.race([stopping.then(() => true), sleep(4_000).then(() => false)]);
    expect(stoppedFirst).toBe(true); // walking all 16 would take 16 command timeouts
    await reclaiming;
  } finally {
    await r.stop();
    connection.disconnect();
    await proxy.close();
  }
});

test('a kick whose read fails (Redis silent for a moment) is read again soon, not left to the backed-off poll', async () => {
  const target = new URL(redisUrl());
  const proxy = await TcpFaultProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
  const connection = new Redis(`redis://127.0.0.1:${proxy.port}`, { enableOfflineQueue: false, commandTimeout: 300, maxRetriesPerRequest: 0 });
  connection.on('error', () => undefined);
  await new Promise((resolve) => connection.once('ready', resolve));
  const audit = recordingGroup('audit');
  // Polls out of reach: an idle relay's poll may be idlePollMs (seconds) away when a kick's read fails.
  const r = new OutboxRelay({ redis: connection, streams, groups: [audit], consumer: 'i-1', pollMs: 60_000, idlePollMs: 60_000, trimMs: 60_000, reclaimIdleMs: 60_000 });
  const failures: OutboxRelayFailure[] = [];
  r.onFailure((f) => failures.push(f));
  try {
    r.start();
    await r.drain();
    proxy.setToxics({ blackHole: true });
    await append(streams[0], 7); // written by the request's own connection; the relay's read of it fails
    r.kick(streams[0]);
    await waitFor(() => failures.length > 0, { timeoutMs: 3_000, description: 'the failed read reported' });
    proxy.setToxics({});
    proxy.dropConnections(); // the silent socket's late replies would answer commands that gave up
    await waitFor(() => audit.seen.includes('7'), { timeoutMs: 5_000, description: 'the entry delivered after Redis answers again' });
  } finally {
    await r.stop();
    connection.disconnect();
    await proxy.close();
  }
}, 15_000);

describe('with Redis gone', () => {
  test('reads fail as reported failures, never as rejections; once Redis is back, the entries written meanwhile are delivered', async () => {
    const server = await startRedisServer();
    const connection = new Redis(server.url, { enableOfflineQueue: false, commandTimeout: 300, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
    connection.on('error', () => undefined);
    try {
      const audit = recordingGroup('audit');
      const r = new OutboxRelay({ redis: connection, streams, groups: [audit], consumer: 'i-1', pollMs: 100, reclaimIdleMs: 300, trimMs: 200 });
      relays.push(r);
      const failures: OutboxRelayFailure[] = [];
      r.onFailure((f) => failures.push(f));
      r.start();
      await waitFor(async () => (await connection.exists(streams[0])) === 1, { timeoutMs: 2_000, description: 'the groups created' });
      await server.kill();
      await waitFor(() => failures.length > 0, { timeoutMs: 3_000, description: 'a reported failure' });
      await server.restart(); // empty: no persistence, so the streams and groups are gone too
      const writer = new Redis(server.url);
      try {
        await writer.xadd(streams[0], '*', 'n', '5');
      } finally {
        writer.disconnect();
      }
      await waitFor(() => audit.seen.includes('5'), { timeoutMs: 5_000, description: 'the entry written after the outage' });
    } finally {
      for (const r of relays.splice(0)) await r.stop();
      connection.disconnect();
      await server.cleanup();
    }
  });
});
