// Provider A slow (800 ms) behind a small bulkhead (10 concurrent, queue 10, 100 ms queue wait):
// the bulkhead fills and refuses, and the refused payments go to provider B at once.
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

export const bulkheadExhaustion: Experiment = {
  name: 'bulkhead-exhaustion',
  title: 'provider A slow (800 ms) behind a 10-call bulkhead',
  quick: false,
  blastRadius: 'provider-a\'s bulkhead, every instance',
  needsOwnRedis: false,
  fleetEnv: { DOWNSTREAM_PROVIDER_A_MAX_CONCURRENT: '10', DOWNSTREAM_PROVIDER_A_MAX_QUEUE: '10', DOWNSTREAM_PROVIDER_A_QUEUE_TIMEOUT_MS: '100' },
  timing: DEFAULT_TIMING,
  fallbackExists: true,
  hypothesis: { ...SEED_HYPOTHESIS, maxP95IncreasePct: 1000 },
  abort: DEFAULT_ABORT,
  inject: ({ env }) => env.sim.setFault('provider-a', { latencyMs: 800 }),
  heal: ({ env }) => env.sim.clearFaults(),
};
