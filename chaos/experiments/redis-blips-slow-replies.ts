// Redis blips: every connection between the instances and Redis is reset every 2.5 s, and each
// reconnected connection gets its replies 300 ms late for 2 s (a Redis busy loading, or segments
// retransmitted). Crash-prone: commands time out mid-script, subscribers resubscribe, BullMQ
// reconnects. No fallback exists for a payment Redis cannot record: a 503 with Retry-After is correct.
import { ownRedis } from '../runner/environment';
import { BackgroundLoop } from './background-loop';
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

const BLIP_EVERY_MS = 2_500;
const blips = new BackgroundLoop();

export const redisBlipsSlowReplies: Experiment = {
  name: 'redis-blips-slow-replies',
  title: 'Redis connections reset every 2.5 s, replies 300 ms late after each reconnect',
  quick: true,
  blastRadius: 'every instance\'s Redis connections (coordination, subscriber, BullMQ)',
  needsOwnRedis: true,
  timing: DEFAULT_TIMING,
  fallbackExists: false,
  hypothesis: { ...SEED_HYPOTHESIS, maxP95IncreasePct: 300, maxThroughputLossPct: 50 },
  abort: { ...DEFAULT_ABORT, minAvailability: 0.2 },
  inject: async (ctx) => {
    const { proxy } = ownRedis(ctx.env);
    proxy.slowRepliesOnNewConnections({ delayMs: 300, forMs: 2_000 });
    blips.start(BLIP_EVERY_MS, () => proxy.dropConnections(), ctx.signal, ctx.log);
  },
  heal: async (ctx) => {
    await blips.stop();
    ownRedis(ctx.env).proxy.heal();
  },
};
