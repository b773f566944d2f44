// A REAL partition of one instance from Redis (issue 7): api-3 runs inside a network namespace the
// suite makes (chaos/infra/netns.ts; the launcher's FLEET_INSTANCE_HOOK starts it there), nginx
// reaches it through a veth pair, and for the fault window nftables drops its traffic to and from
// the Redis proxy's port at both ends of the link: a silent black hole, as a network partition is.
// api-3 must go to local mode and keep answering (payments it cannot record: 503 + Retry-After),
// api-1 and api-2 stay in fleet mode, and after the heal api-3 resyncs by itself. The namespace,
// the veth pair and the nftables tables are removed on every ending (Ctrl-C, an error, an exit).
import { allowSuiteAddress } from '../infra/loopback';
import { InstanceNetns } from '../infra/netns';
import { partitionChecks } from '../metrics/partition-modes';
import { ModeWatch } from '../probes/mode-watch';
import { ownRedis } from '../runner/environment';
import { DEFAULT_ABORT, DEFAULT_TIMING, SEED_HYPOTHESIS } from './defaults';
import { ExperimentStateError, type Experiment } from './experiment';

const VICTIM = 'api-3';
const TARGETS = { maxToLocalMs: 5_000, maxResyncMs: 10_000, minAnsweredShare: 0.95 };

let netns: InstanceNetns | undefined;
let watch: ModeWatch | undefined;
const window = { cutAt: Number.NaN, healedAt: Number.NaN };

export const instancePartitionedFromRedis: Experiment = {
  name: 'instance-partitioned-from-redis',
  title: `${VICTIM} cut off from Redis (ip netns + nftables drop), the others not`,
  quick: false,
  blastRadius: `${VICTIM}'s Redis traffic only; its HTTP and the simulator stay reachable`,
  needsOwnRedis: true,
  timing: DEFAULT_TIMING,
  fallbackExists: true,
  hypothesis: SEED_HYPOTHESIS,
  abort: DEFAULT_ABORT,
  prepare: async ({ log }) => {
    const made = InstanceNetns.create();
    netns = made;
    const { link } = made;
    const forget = allowSuiteAddress(link.address);
    log(`network namespace ${link.name}: ${VICTIM} at ${link.address}, host end ${link.hostAddress}`);
    return {
      fleetEnv: { FLEET_INSTANCE_HOOK: JSON.stringify({ instance: VICTIM, netns: link }) },
      undo: async () => {
        netns = undefined;
        made.undo();
        forget();
        const left = InstanceNetns.leftovers(link.name);
        if (left.length > 0) log(`left behind after clean-up: ${left.join(', ')}`);
      },
    };
  },
  inject: async ({ env, signal, log }) => {
    if (netns === undefined) throw new ExperimentStateError('no network namespace: prepare did not run');
    watch = new ModeWatch(env.instances);
    watch.start(signal, log);
    window.cutAt = Date.now();
    netns.partition(ownRedis(env).proxy.port);
    log(`nftables: ${VICTIM} (${netns.link.address}) cut off from the Redis proxy :${ownRedis(env).proxy.port}`);
  },
  heal: async () => {
    netns?.heal();
    window.healedAt = Date.now();
  },
  verify: async ({ env }) => {
    const w = watch;
    watch = undefined;
    if (w === undefined || netns === undefined) return [];
    await w.stop();
    const victim = env.instances.find((url) => new URL(url).hostname === netns?.link.address);
    if (victim === undefined) throw new ExperimentStateError(`no instance at ${netns.link.address} among ${env.instances.join(', ')}`);
    return partitionChecks(w.rounds, victim, window, TARGETS);
  },
};
