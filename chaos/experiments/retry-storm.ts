// Provider A fails 40% of calls ("not processed"): every instance retries it, under the fleet's
// retry budget, and the rest fail over to B. A storm would show as many more requests to A than
// payments.
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

export const retryStorm: Experiment = {
  name: 'retry-storm',
  title: 'provider A fails 40% of calls (every instance retries)',
  quick: false,
  blastRadius: 'provider-a, every instance',
  needsOwnRedis: false,
  timing: DEFAULT_TIMING,
  fallbackExists: true,
  hypothesis: SEED_HYPOTHESIS,
  abort: DEFAULT_ABORT,
  inject: ({ env }) => env.sim.setFault('provider-a', { errorRate: 0.4 }),
  heal: ({ env }) => env.sim.clearFaults(),
};
