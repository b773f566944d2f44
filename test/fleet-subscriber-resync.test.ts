// When the pub/sub subscriber comes back after a cut, the fleet re-reads every breaker once the
// channel is subscribed again, not merely once the connection is ready: a transition published
// between a re-read made at 'ready' and the SUBSCRIBE reaching Redis would otherwise be missed
// until the periodic re-read (a minute here). Given the subscriber behind a proxy that holds the
// SUBSCRIBE reply after the reconnect, then a re-read happens after that reply.
import Redis from 'ioredis';
import { BreakerScripts } from '../libs/redis-store/src/breaker-scripts';
import { FleetInstances } from './support/fleet-instances';
import { redisUrl } from './support/redis-server';
import { TcpFaultProxy } from './support/tcp-fault-proxy';
import { sleep, waitFor } from './support/wait-for';

const HOLD_MS = 600;
const isSubscribeReply = (chunk: Buffer): boolean => chunk.includes('$9\r\nsubscribe\r\n');

describe('the fleet subscriber after a reconnect', () => {
  let fleet: FleetInstances | undefined;
  let proxy: TcpFaultProxy | undefined;
  let subscriber: Redis | undefined;

  afterEach(async () => {
    jest.restoreAllMocks();
    await fleet?.close();
    await proxy?.close();
    subscriber?.disconnect();
  });

  it('re-reads the breakers once the SUBSCRIBE is confirmed', async () => {
    proxy = await TcpFaultProxy.start({ port: Number(new URL(redisUrl()).port || 6379) });
    fleet = new FleetInstances(redisUrl());
    subscriber = new Redis(`redis://127.0.0.1:${proxy.port}`, { autoResubscribe: false });
    subscriber.on('error', () => undefined);
    await fleet.start(1, { minimumCalls: 5 }, { syncIntervalMs: 60_000, subscriber });
    const reads: number[] = [];
    const snapshot = BreakerScripts.prototype.snapshot;
    jest.spyOn(BreakerScripts.prototype, 'snapshot').mockImplementation(function (this: BreakerScripts, ...args) {
      reads.push(performance.now());
      return snapshot.apply(this, args);
    });

    proxy.slowRepliesOnNewConnections({ delayMs: HOLD_MS, forMs: HOLD_MS, startsAt: isSubscribeReply });
    const cutAt = performance.now();
    proxy.dropConnections();
    await waitFor(() => proxy !== undefined && proxy.held > 0, { timeoutMs: 5_000, description: 'the SUBSCRIBE reply held back' });
    await sleep(HOLD_MS + 300);

    expect(reads.some((at) => at - cutAt >= HOLD_MS)).toBe(true);
  });
});
