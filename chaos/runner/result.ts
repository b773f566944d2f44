// What one experiment produced: results.json holds these, report.md and the charts are drawn from them.
import type { DataCheck } from '../checks/data-check';
import type { PollRound } from '../metrics/breaker-timeline';
import type { FaultWindow } from '../metrics/fault-window';
import type { Check } from '../metrics/hypothesis';
import type { PhaseStats } from '../metrics/phase-stats';
import type { Bucket } from '../metrics/timeline';
import type { Timing } from '../experiments/experiment';

export interface ExperimentResult {
  name: string;
  title: string;
  blastRadius: string;
  ratePerSecond: number;
  instances: number;
  timing: Timing;
  fallbackExists: boolean;
  /** ms on the experiment clock. */
  window: FaultWindow;
  loadEndMs: number;
  sent: number;
  phases: PhaseStats[];
  timeToDetectMs: number | null;
  breakersClosedAfterHealMs: number | null;
  timeToRecoverMs: number | null;
  /** Requests the watched downstream received from the fault until the fleet was OPEN. */
  leakedCalls: number | null;
  restarts: Record<string, number>;
  plannedExits: Record<string, number>;
  unplannedExits: Record<string, number>;
  data: DataCheck | null;
  checks: Check[];
  /** Every check that could be measured held. */
  passed: boolean;
  aborted: string | null;
  error: string | null;
  buckets: Bucket[];
  breakerRounds: PollRound[];
}
