// A rolling restart: each instance in turn gets SIGTERM (a graceful stop) and the launcher starts
// it again; the next one only once the previous is back. Every exit is planned.
import { signal } from '../infra/process-signals';
import { pidOf } from '../runner/environment';
import { readRestarts } from '../probes/restarts';
import { sleep } from '../infra/process-signals';
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

const BACK_TIMEOUT_MS = 30_000;

export const rollingRestart: Experiment = {
  name: 'rolling-restart',
  title: 'rolling restart (SIGTERM each instance in turn)',
  quick: false,
  blastRadius: 'one instance at a time',
  needsOwnRedis: false,
  timing: { ...DEFAULT_TIMING, faultMs: 30_000 },
  fallbackExists: true,
  hypothesis: SEED_HYPOTHESIS,
  abort: DEFAULT_ABORT,
  inject: async (ctx) => {
    for (let i = 1; i <= ctx.env.instances.length && !ctx.signal.aborted; i++) {
      const part = `api-${i}`;
      const before = (await readRestarts(ctx.env.fleetDir))[part]?.restarts ?? 0;
      const pid = await pidOf(ctx.env, part);
      ctx.planExit(part);
      signal(pid, 'SIGTERM');
      ctx.log(`SIGTERM ${part} (pid ${pid})`);
      const deadline = Date.now() + BACK_TIMEOUT_MS;
      for (;;) {
        const status = (await readRestarts(ctx.env.fleetDir))[part];
        if ((status?.restarts ?? 0) > before && status?.up === true) break;
        if (Date.now() > deadline || ctx.signal.aborted) return;
        await sleep(200);
      }
      await sleep(2_000, ctx.signal); // nginx takes it back passively (fail_timeout 2 s)
    }
  },
  heal: async () => undefined,
};
