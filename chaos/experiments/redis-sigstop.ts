// Redis paused with SIGSTOP for 8 s: connections stay open and nothing answers (the worst case
// for timeouts: no reset tells the client). SIGCONT ends it.
import { ownRedis } from '../runner/environment';
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

export const redisSigstop: Experiment = {
  name: 'redis-sigstop',
  title: 'Redis paused (SIGSTOP) for 8 s, then SIGCONT',
  quick: false,
  blastRadius: 'every instance\'s Redis',
  needsOwnRedis: true,
  timing: { ...DEFAULT_TIMING, faultMs: 8_000 },
  fallbackExists: false,
  hypothesis: { ...SEED_HYPOTHESIS, maxP95IncreasePct: 300, maxThroughputLossPct: 100 },
  abort: { ...DEFAULT_ABORT, minAvailability: 0.05 },
  inject: async ({ env }) => ownRedis(env).redis.send('SIGSTOP'),
  heal: async ({ env }) => ownRedis(env).redis.send('SIGCONT'),
};
