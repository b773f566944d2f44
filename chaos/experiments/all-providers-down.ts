// Every provider down: no fallback exists, so the correct answer is 503 with Retry-After (and the
// payment FAILED, the key given back), fast, from every instance.
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

export const allProvidersDown: Experiment = {
  name: 'all-providers-down',
  title: 'providers A, B and C down',
  quick: false,
  blastRadius: 'every provider, every instance',
  needsOwnRedis: false,
  timing: DEFAULT_TIMING,
  fallbackExists: false,
  watchBreaker: 'provider-c',
  hypothesis: { ...SEED_HYPOTHESIS, maxThroughputLossPct: 100 },
  abort: DEFAULT_ABORT,
  inject: async ({ env }) => {
    for (const p of ['provider-a', 'provider-b', 'provider-c'] as const) await env.sim.setFault(p, { mode: 'down' });
  },
  heal: ({ env }) => env.sim.clearFaults(),
};
