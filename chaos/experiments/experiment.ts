// What an experiment is (issue 7): a steady-state hypothesis, a fault with its blast radius and
// duration, abort conditions, and the breaker whose fleet OPEN is the detection. One file per
// experiment in this folder; index.ts lists them.
import type { Sample } from '../load/sample';
import type { FaultWindow } from '../metrics/fault-window';
import type { Check, SteadyStateHypothesis } from '../metrics/hypothesis';
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

/** Before its fleet starts (a network namespace for an instance to run in). */
export interface PrepareContext {
  /** The experiment's report directory. */
  dir: string;
  log: (message: string) => void;
}

export interface Prepared {
  /** Added to the experiment's fleetEnv. */
  fleetEnv: Record<string, string>;
  /** Undoes the preparation; run after the fleet has stopped, on every ending (Ctrl-C included). */
  undo: () => Promise<void>;
}

/** After the load and the data check: what the run left behind, and the load's answers. */
export interface VerifyContext extends FaultContext {
  samples: readonly Sample[];
  /** ms on the experiment clock. */
  window: FaultWindow;
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
  /** Makes what its fleet needs before it starts; experiments with one need their own fleet (not --url). */
  prepare?(ctx: PrepareContext): Promise<Prepared>;
  /** Checks of its own beside the hypothesis' (a backlog drained, an instance's mode), in the report and the verdict. */
  verify?(ctx: VerifyContext): Promise<Check[]>;
}

/** An experiment's own state is not there (a hook did not run, an instance is not where it was put). */
export class ExperimentStateError extends Error {
  override readonly name = 'ExperimentStateError';
  readonly code = 'CHAOS_EXPERIMENT_STATE';
}
