// Fraud accepts requests and never answers while inventory is down, under a short payment deadline
// (PAYMENT_DEADLINE_MS 800): fraud times out into the rules, inventory falls back to the cache or
// INVENTORY_FALLBACK=accept, and budgets run out mid-request. Every payment must still be answered.
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

export const fraudHangInventoryDown: Experiment = {
  name: 'fraud-hang-inventory-down',
  title: 'fraud hangs past the deadline, inventory down, PAYMENT_DEADLINE_MS=800',
  quick: true,
  blastRadius: 'fraud and inventory, every instance; providers healthy',
  needsOwnRedis: false,
  fleetEnv: { PAYMENT_DEADLINE_MS: '800' },
  timing: DEFAULT_TIMING,
  fallbackExists: true,
  watchBreaker: 'fraud',
  hypothesis: SEED_HYPOTHESIS,
  abort: DEFAULT_ABORT,
  inject: async ({ env }) => {
    await env.sim.setFault('inventory', { mode: 'down' });
    await env.sim.setFault('fraud', { mode: 'hang' });
  },
  heal: ({ env }) => env.sim.clearFaults(),
};
