// The inventory service down alone. Stock is read through the fleet's shared cache (fresh 5 s,
// served stale up to 10 minutes when the service fails), and the load's item has been read since
// the warm-up, so every payment must be answered from the stale entry. INVENTORY_FALLBACK=refuse
// makes that visible: a payment the cache did not cover is a 503, not a silent `accept`.
import { authorizedShareCheck } from '../metrics/payment-outcomes';
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

const MAX_AUTHORIZED_DROP = 0.01;

export const inventoryDown: Experiment = {
  name: 'inventory-down',
  title: 'inventory service down (stale cached stock, INVENTORY_FALLBACK=refuse)',
  quick: false,
  blastRadius: 'inventory, every instance; providers and fraud healthy',
  needsOwnRedis: false,
  fleetEnv: { INVENTORY_FALLBACK: 'refuse' },
  timing: DEFAULT_TIMING,
  fallbackExists: true,
  watchBreaker: 'inventory',
  hypothesis: SEED_HYPOTHESIS,
  abort: DEFAULT_ABORT,
  inject: ({ env }) => env.sim.setFault('inventory', { mode: 'down' }),
  heal: ({ env }) => env.sim.clearFaults(),
  verify: async ({ samples, window }) => [authorizedShareCheck(samples, window, MAX_AUTHORIZED_DROP)],
};
