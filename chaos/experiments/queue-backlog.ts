// A backlog of async work: the email service slow (800 ms a delivery, under its 1 s timeout and
// its 1.5 s slow-call line, so nothing fails and no breaker opens) for 30 s while payments go on
// at the full rate. The fleet's 60 email workers (20 per instance) then deliver about 75 a second
// against 100 payments a second, so notify-email grows; after the heal it must drain, with every
// AUTHORIZED payment's email delivered exactly once and no dead letter (the fault failed nothing).
import { checkNotifications } from '../checks/notifications';
import { ms } from '../metrics/hypothesis';
import { BacklogWatch } from '../probes/backlog-watch';
import { queueCounts } from '../probes/queue-counts';
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import type { Experiment } from './experiment';

const QUEUE = 'notify-email';
const SLOW_MS = 800;
/** The backlog must be gone this long after the heal (it drains at hundreds a second once fast). */
const MAX_DRAIN_MS = 60_000;
let watch: BacklogWatch | undefined;

export const queueBacklog: Experiment = {
  name: 'queue-backlog',
  title: `notify-email slow (${SLOW_MS} ms) for 30 s: the notification queue backs up, then drains`,
  quick: false,
  blastRadius: 'notify-email jobs, every instance; payments untouched',
  needsOwnRedis: false,
  timing: { ...DEFAULT_TIMING, faultMs: 30_000 },
  fallbackExists: true,
  hypothesis: SEED_HYPOTHESIS,
  abort: DEFAULT_ABORT,
  inject: async ({ env, signal, log }) => {
    watch = new BacklogWatch(env.lb, QUEUE);
    watch.start(signal, log);
    await env.sim.setFault(QUEUE, { latencyMs: SLOW_MS });
  },
  heal: async ({ env }) => {
    await env.sim.clearFaults();
    watch?.markHealed();
  },
  verify: async ({ env, samples, signal }) => {
    const w = watch;
    watch = undefined;
    if (w === undefined) return [];
    const drainedMs = await w.drainedAfterHeal(MAX_DRAIN_MS * 2, signal);
    const counts = await queueCounts(env.lb, QUEUE);
    const authorized = samples.flatMap((s) => (s.paymentStatus === 'AUTHORIZED' && s.paymentId !== undefined ? [s.paymentId] : []));
    const n = checkNotifications(authorized, await env.sim.deliveredPayments(QUEUE));
    return [
      { name: `${QUEUE} backlog built by the fault`, target: '> 0 jobs', measured: `peak ${w.peak}`, pass: w.peak > 0 },
      { name: `${QUEUE} backlog drained after the heal`, target: `<= ${ms(MAX_DRAIN_MS)}`, measured: drainedMs === null ? 'not drained' : ms(drainedMs), pass: drainedMs !== null && drainedMs <= MAX_DRAIN_MS },
      { name: `${QUEUE} dead letters`, target: '0 (nothing failed)', measured: counts === undefined ? 'n/a' : String(counts.deadLetter), pass: counts === undefined ? null : counts.deadLetter === 0 },
      { name: 'AUTHORIZED payments without their email', target: '0', measured: `${n.missing.length} of ${new Set(authorized).size}`, pass: n.missing.length === 0 },
      { name: 'emails delivered twice', target: '0', measured: String(n.twice.length), pass: n.twice.length === 0 },
    ];
  },
};
