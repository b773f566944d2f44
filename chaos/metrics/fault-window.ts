// The experiment's three phases on its clock: before the fault, during it (inject to heal), and
// after. A sample belongs to the phase in which it was due.

export interface FaultWindow {
  /** When the fault was injected (ms on the experiment clock). */
  startMs: number;
  /** When it was healed. */
  endMs: number;
}

export type Phase = 'before' | 'during' | 'after';
export const PHASES: readonly Phase[] = ['before', 'during', 'after'];

export function phaseOf(atMs: number, window: FaultWindow): Phase {
  if (atMs < window.startMs) return 'before';
  return atMs < window.endMs ? 'during' : 'after';
}
