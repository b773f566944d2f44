// What an experiment is (issue 7): a steady-state hypothesis, a fault with its blast radius and
// duration, abort conditions, and the breaker whose fleet OPEN is the detection. One file per
// experiment in this folder; index.ts lists them.
import type { SteadyStateHypothesis } from '../metrics/hypothesis';
import type { Environment } from '../runner/environment';

export interface Timing {
  /** Steady load before the fault (the baseline). */
  beforeMs: number;
  /** From inject to heal. */
  faultMs: number;
  /** Load after the heal: recovery is measured in it. */
  afterMs: number;
}

export interface AbortConditions {
  /** Over any `windowMs` of answers during the fault, availability below this stops the experiment. */
  minAvailability: number;
  windowMs: number;
  /** Unplanned process exits beyond this stop it. */
  maxUnplannedExits: number;
}

export interface FaultContext {
  env: Environment;
  log: (message: string) => void;
  /** Tells the suite that the experiment itself ends this part's process once more (not a failure). */
  planExit: (part: string) => void;
  /** Aborted when the experiment is stopped: long faults must end their loops. */
  signal: AbortSignal;
}

export interface Experiment {
  name: string;
  title: string;
  /** Part of --quick (the CI subset). */
  quick: boolean;
  /** What is broken and for whom. */
  blastRadius: string;
  /** Needs the suite's own Redis and proxy (not possible with --url). */
  needsOwnRedis: boolean;
  /** Instance settings for this experiment's fleet (app-config.ts, downstreams.json overrides). */
  fleetEnv?: Record<string, string>;
  timing: Timing;
  /** A fallback exists during the fault; without one a 503 with Retry-After is the correct answer. */
  fallbackExists: boolean;
  /** Its fleet OPEN is the detection; none when the fault trips no breaker. */
  watchBreaker?: string;
  hypothesis: SteadyStateHypothesis;
  abort: AbortConditions;
  inject(ctx: FaultContext): Promise<void>;
  heal(ctx: FaultContext): Promise<void>;
}
