// One instance frozen with SIGSTOP for 10 s: nginx still routes to it until a request times out
// (proxy_read_timeout 10 s) or fails, then moves the POST to another instance.
import { signal } from '../infra/process-signals';
import { pidOf } from '../runner/environment';
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

const VICTIM = 'api-2';
let frozenPid: number | undefined;

export const frozenInstance: Experiment = {
  name: 'frozen-instance',
  title: `${VICTIM} frozen (SIGSTOP) for 10 s, then SIGCONT`,
  quick: false,
  blastRadius: `${VICTIM} only`,
  needsOwnRedis: false,
  timing: { ...DEFAULT_TIMING, faultMs: 10_000 },
  fallbackExists: true,
  hypothesis: SEED_HYPOTHESIS,
  abort: { ...DEFAULT_ABORT, minAvailability: 0.3 },
  inject: async (ctx) => {
    frozenPid = await pidOf(ctx.env, VICTIM);
    signal(frozenPid, 'SIGSTOP');
  },
  heal: async () => {
    if (frozenPid !== undefined) signal(frozenPid, 'SIGCONT');
    frozenPid = undefined;
  },
};
