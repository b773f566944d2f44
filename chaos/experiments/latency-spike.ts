// Provider A slows to 1.6-1.9 s (above its slow-call threshold of 1.5 s, below its 2 s timeout):
// the slow-call rate trips it, and payments move to provider B.
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

export const latencySpike: Experiment = {
  name: 'latency-spike',
  title: 'provider A latency 1.6-1.9 s',
  quick: false,
  blastRadius: 'provider-a, every instance',
  needsOwnRedis: false,
  timing: DEFAULT_TIMING,
  fallbackExists: true,
  watchBreaker: 'provider-a',
  hypothesis: SEED_HYPOTHESIS,
  abort: DEFAULT_ABORT,
  inject: ({ env }) => env.sim.setFault('provider-a', { latencyMs: 1_600, jitterMs: 300 }),
  heal: ({ env }) => env.sim.clearFaults(),
};
