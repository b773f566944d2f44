// Provider A flaps: down and up every 2 s. Failing over is safe (down is "not processed").
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

export const providerFlapping: Experiment = {
  name: 'provider-flapping',
  title: 'provider A flapping (down/up every 2 s)',
  quick: false,
  blastRadius: 'provider-a, every instance',
  needsOwnRedis: false,
  timing: DEFAULT_TIMING,
  fallbackExists: true,
  watchBreaker: 'provider-a',
  hypothesis: SEED_HYPOTHESIS,
  abort: DEFAULT_ABORT,
  inject: ({ env }) => env.sim.setFault('provider-a', { mode: 'flap', flapPeriodMs: 2_000 }),
  heal: ({ env }) => env.sim.clearFaults(),
};
