// One instance SIGKILLed under load: nginx moves its requests to the others (the Idempotency-Key
// makes a moved POST safe) and the launcher starts it again. The kill is planned; any other exit,
// or a second restart of it, is a failure.
import { signal } from '../infra/process-signals';
import { pidOf } from '../runner/environment';
import { waitForPartUp } from './wait-for-part';
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

const VICTIM = 'api-2';

export const instanceSigkill: Experiment = {
  name: 'instance-sigkill',
  title: `${VICTIM} SIGKILLed under load, restarted by the launcher`,
  quick: true,
  blastRadius: `${VICTIM} only`,
  needsOwnRedis: false,
  timing: DEFAULT_TIMING,
  fallbackExists: true,
  hypothesis: SEED_HYPOTHESIS,
  abort: DEFAULT_ABORT,
  inject: async (ctx) => {
    const pid = await pidOf(ctx.env, VICTIM);
    ctx.planExit(VICTIM);
    signal(pid, 'SIGKILL');
    ctx.log(`SIGKILL ${VICTIM} (pid ${pid})`);
  },
  heal: (ctx) => waitForPartUp(ctx, VICTIM, 30_000),
};
