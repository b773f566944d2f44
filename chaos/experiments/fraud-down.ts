// The fraud service down alone (503 "not processed" at once): the fleet trips the fraud breaker and
// the rules-based scorer decides every payment (docs/payment-gateway.md, step 2). Payments must
// stay available and be authorized as before: a fallback that declines everyone is no fallback.
import { authorizedShareCheck } from '../metrics/payment-outcomes';
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

/** The rules may decline a little more than the fraud service did, not much more. */
const MAX_AUTHORIZED_DROP = 0.01;

export const fraudDown: Experiment = {
  name: 'fraud-down',
  title: 'fraud service down (rules-based scoring takes over)',
  quick: false,
  blastRadius: 'fraud, every instance; providers and inventory healthy',
  needsOwnRedis: false,
  timing: DEFAULT_TIMING,
  fallbackExists: true,
  watchBreaker: 'fraud',
  hypothesis: SEED_HYPOTHESIS,
  abort: DEFAULT_ABORT,
  inject: ({ env }) => env.sim.setFault('fraud', { mode: 'down' }),
  heal: ({ env }) => env.sim.clearFaults(),
  verify: async ({ samples, window }) => [authorizedShareCheck(samples, window, MAX_AUTHORIZED_DROP)],
};
