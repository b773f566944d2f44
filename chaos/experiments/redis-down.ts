// Redis unreachable for 10 s: every connection reset and every new one refused at the proxy.
// Payments cannot be recorded, so the correct answer is a fast 503 with Retry-After; breakers
// keep deciding locally; when Redis answers again the fleet resyncs by itself.
import { ownRedis } from '../runner/environment';
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

export const redisDown: Experiment = {
  name: 'redis-down-10s',
  title: 'Redis unreachable for 10 s (connections reset and refused)',
  quick: false,
  blastRadius: 'every instance\'s Redis',
  needsOwnRedis: true,
  timing: { ...DEFAULT_TIMING, faultMs: 10_000 },
  fallbackExists: false,
  hypothesis: { ...SEED_HYPOTHESIS, maxP95IncreasePct: 300, maxThroughputLossPct: 100 },
  abort: { ...DEFAULT_ABORT, minAvailability: 0.1 },
  inject: async ({ env }) => {
    const { proxy } = ownRedis(env);
    proxy.setToxics({ resetNewConnections: true });
    proxy.dropConnections();
  },
  heal: async ({ env }) => ownRedis(env).proxy.heal(),
};
