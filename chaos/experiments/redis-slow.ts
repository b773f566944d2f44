// Every Redis reply 200 ms late (latency toxic on the proxy): above the coordination commandTimeout,
// so breakers go local, and every payment's record costs several slow round trips.
import { ownRedis } from '../runner/environment';
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

export const redisSlow: Experiment = {
  name: 'redis-slow-200ms',
  title: 'Redis replies 200 ms late',
  quick: false,
  blastRadius: 'every instance\'s Redis',
  needsOwnRedis: true,
  timing: DEFAULT_TIMING,
  fallbackExists: false,
  hypothesis: { ...SEED_HYPOTHESIS, maxP95IncreasePct: 1000, maxThroughputLossPct: 50 },
  abort: { ...DEFAULT_ABORT, minAvailability: 0.1 },
  inject: async ({ env }) => ownRedis(env).proxy.setToxics({ latencyMs: 200 }),
  heal: async ({ env }) => ownRedis(env).proxy.heal(),
};
