// Provider A answers 503 "not processed" to everything: the fleet trips provider-a together and
// every payment fails over to provider B, so nothing a client sees should change.
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

export const providerAOutage: Experiment = {
  name: 'provider-a-outage',
  title: 'provider A down (simulator fault API)',
  quick: true,
  blastRadius: 'provider-a, every instance; providers B and C healthy',
  needsOwnRedis: false,
  timing: DEFAULT_TIMING,
  fallbackExists: true,
  watchBreaker: 'provider-a',
  hypothesis: SEED_HYPOTHESIS,
  abort: DEFAULT_ABORT,
  inject: ({ env }) => env.sim.setFault('provider-a', { mode: 'down' }),
  heal: ({ env }) => env.sim.clearFaults(),
};
