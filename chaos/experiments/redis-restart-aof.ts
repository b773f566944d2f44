// Redis SIGKILLed and started again 3 s later from its AOF (appendfsync everysec: up to about a
// second of writes may be lost, docs/fleet.md "Redis"; the data check says whether any was).
import { sleep } from '../infra/process-signals';
import { ownRedis } from '../runner/environment';
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

export const redisRestartAof: Experiment = {
  name: 'redis-restart-aof',
  title: 'Redis SIGKILLed, restarted from its AOF after 3 s',
  quick: false,
  blastRadius: 'every instance\'s Redis; data on disk',
  needsOwnRedis: true,
  timing: { ...DEFAULT_TIMING, faultMs: 5_000 },
  fallbackExists: false,
  hypothesis: { ...SEED_HYPOTHESIS, maxP95IncreasePct: 300, maxThroughputLossPct: 100 },
  abort: { ...DEFAULT_ABORT, minAvailability: 0.05 },
  inject: async ({ env }) => {
    const { redis } = ownRedis(env);
    await redis.kill();
    await sleep(3_000);
    await redis.launch();
  },
  heal: async () => undefined,
};
