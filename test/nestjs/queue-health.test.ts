// QueueHealthIndicator over real BullMQ queues (the shared Redis, a prefix of its own): up with
// each queue's counts while they stay within the limits, down when a backlog passes maxWaiting,
// and down with the reason when a queue's Redis does not answer in time.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { QueueHealthIndicator } from '@breakwater/nestjs';
import { deleteKeysByPrefix, redisUrl, uniquePrefix } from '../support/redis-server';

describe('QueueHealthIndicator', () => {
  const prefix = uniquePrefix('nest-queues');
  const indicator = new QueueHealthIndicator(new HealthIndicatorService());
  const opened: { queue: Queue; connection: Redis }[] = [];

  const queue = (name: string, url = redisUrl()): Queue => {
    const connection = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
    const q = new Queue(name, { connection, prefix: `${prefix}bull` });
    q.on('error', () => undefined);
    opened.push({ queue: q, connection });
    return q;
  };

  afterAll(async () => {
    // The connection first: Queue.disconnect() waits for an end that a silent Redis never gives.
    for (const { queue: q, connection } of opened) {
      connection.disconnect();
      await q.close();
    }
    await deleteKeysByPrefix(redisUrl(), prefix);
  });

  it('is up with the counts while the backlog is within maxWaiting, and down once it is not', async () => {
    const mail = queue('mail');
    await mail.addBulk([1, 2, 3].map((n) => ({ name: 'send', data: { n } })));

    const within = await indicator.countsCheck('queues', [mail], { maxWaiting: 3 });
    const over = await indicator.countsCheck('queues', [mail], { maxWaiting: 2 });

    expect(within).toEqual({ queues: { status: 'up', mail: { waiting: 3, active: 0, failed: 0, delayed: 0 } } });
    expect(over).toEqual({ queues: { status: 'down', mail: { waiting: 3, active: 0, failed: 0, delayed: 0 } } });
  });

  it('is down, naming the queue and why, when its Redis does not answer within timeoutMs', async () => {
    // Accepts connections and never answers: a hung Redis, which a refused port would not show.
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const gone = queue('gone', `redis://127.0.0.1:${(silent.address() as AddressInfo).port}`);

      const result = await indicator.countsCheck('queues', [gone], { timeoutMs: 300 });

      expect(result).toEqual({ queues: { status: 'down', gone: { error: 'gone did not answer within 300 ms (timeout)' } } });
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
