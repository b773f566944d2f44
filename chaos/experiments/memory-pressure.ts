// One instance under memory pressure until it dies of it. api-2 runs with a small heap
// (--max-old-space-size=384) and the suite's test-only heap filler (chaos/infra/heap-filler.ts,
// loaded through the launcher's FLEET_INSTANCE_HOOK, never shipped in the gateway); at the inject
// the suite sends it SIGUSR2 and it keeps ~40 MB/s more until V8 GCs harder and harder and ends
// the process with "JavaScript heap out of memory" (SIGABRT), as a leak would. What an operator
// wants to know: the launcher restarts it (the one planned exit; any other is a failure), nginx
// routes around the slow and then dead instance, and no accepted payment is lost or doubled.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signal } from '../infra/process-signals';
import { readRestarts } from '../probes/restarts';
import { pidOf } from '../runner/environment';
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';
import { waitForPartUp } from './wait-for-part';

const VICTIM = 'api-2';
const HEAP_MB = 384;
const FILLER = join(__dirname, '..', 'infra', 'heap-filler.ts');
const OOM_LINE = /JavaScript heap out of memory/;

export const memoryPressure: Experiment = {
  name: 'memory-pressure',
  title: `${VICTIM} fills its ${HEAP_MB} MB heap until V8 ends it (OOM), restarted by the launcher`,
  quick: false,
  blastRadius: `${VICTIM} only`,
  needsOwnRedis: false,
  fleetEnv: {
    FLEET_INSTANCE_HOOK: JSON.stringify({ instance: VICTIM, env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB} --require tsx/cjs --require ${FILLER}` } }),
  },
  timing: DEFAULT_TIMING,
  fallbackExists: true,
  hypothesis: SEED_HYPOTHESIS,
  abort: DEFAULT_ABORT,
  inject: async (ctx) => {
    const pid = await pidOf(ctx.env, VICTIM);
    ctx.planExit(VICTIM);
    signal(pid, 'SIGUSR2');
    ctx.log(`SIGUSR2 ${VICTIM} (pid ${pid}): its heap fills until the limit`);
  },
  heal: (ctx) => waitForPartUp(ctx, VICTIM, 60_000),
  verify: async ({ env }) => {
    const victim = (await readRestarts(env.fleetDir))[VICTIM];
    // The launcher's log (every part's stderr) sits beside its directory in the report.
    const fleetLog = await readFile(join(env.fleetDir, '..', 'fleet.log'), 'utf8').catch(() => '');
    const oom = fleetLog.split('\n').some((line) => line.startsWith(`[${VICTIM}]`) && OOM_LINE.test(line));
    return [
      { name: `${VICTIM} died of its heap limit`, target: '"JavaScript heap out of memory", SIGABRT', measured: `${oom ? 'out of memory' : 'no OOM line'}, ${victim?.lastExit ?? 'no exit'}`, pass: oom && victim?.lastExit?.includes('SIGABRT') === true },
      { name: `${VICTIM} restarted by the launcher`, target: 'once, up again', measured: `${victim?.restarts ?? 0} restart(s), ${victim?.up === true ? 'up' : 'down'}`, pass: victim?.restarts === 1 && victim.up },
    ];
  },
};
