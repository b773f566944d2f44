// What the payments answered, per phase: a fallback that keeps answering 2xx but declines what it
// should authorize (fraud rules scoring everyone high) is not availability, so experiments whose
// fallback decides payments compare the AUTHORIZED share during the fault with the steady state.
import { isSuccess, type Sample } from '../load/sample';
import { phaseOf, type FaultWindow, type Phase } from './fault-window';
import { pct, type Check } from './hypothesis';

/** AUTHORIZED answers / 2xx answers of the phase; null without a 2xx answer. */
export function authorizedShare(samples: readonly Sample[], window: FaultWindow, phase: Phase): number | null {
  const answered = samples.filter((s) => isSuccess(s) && phaseOf(s.dueAt, window) === phase);
  if (answered.length === 0) return null;
  return answered.filter((s) => s.paymentStatus === 'AUTHORIZED').length / answered.length;
}

/** The fallback authorizes as the steady state did: during at most `maxDrop` (a share) below before. */
export function authorizedShareCheck(samples: readonly Sample[], window: FaultWindow, maxDrop: number): Check {
  const before = authorizedShare(samples, window, 'before');
  const during = authorizedShare(samples, window, 'during');
  return {
    name: 'AUTHORIZED share during (fallback decides as before)',
    target: `>= before - ${pct(maxDrop, 1)}`,
    measured: `${pct(during)} (before ${pct(before)})`,
    pass: before === null || during === null ? null : during >= before - maxDrop,
  };
}
