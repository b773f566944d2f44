// The email service down: notifications retry and dead-letter, payments are neither failed nor slowed.
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

export const notificationOutage: Experiment = {
  name: 'notification-outage',
  title: 'notify-email down',
  quick: false,
  blastRadius: 'notify-email jobs, every instance',
  needsOwnRedis: false,
  timing: DEFAULT_TIMING,
  fallbackExists: true,
  watchBreaker: 'notify-email',
  hypothesis: SEED_HYPOTHESIS,
  abort: DEFAULT_ABORT,
  inject: ({ env }) => env.sim.setFault('notify-email', { mode: 'down' }),
  heal: ({ env }) => env.sim.clearFaults(),
};
