// The open model's arrival schedule: request i is due at i / rate seconds after the start, whatever
// the answers do. A late timer sends every request that is due at once (a burst) instead of
// lowering the rate, and each request's latency counts from its due time, so a stalled system is
// charged for the requests it made wait (no coordinated omission).

export interface ArrivalSchedule {
  ratePerSecond: number;
  durationMs: number;
}

/** When request `index` (from 0) is due, in ms after the start. */
export function dueOffsetMs(schedule: ArrivalSchedule, index: number): number {
  return (index * 1000) / schedule.ratePerSecond;
}

/** How many requests the whole schedule sends: those due strictly before its end. */
export function totalArrivals(schedule: ArrivalSchedule): number {
  return Math.max(0, Math.ceil((schedule.durationMs * schedule.ratePerSecond) / 1000 - 1e-9));
}

/** How many requests are due by `elapsedMs` after the start (each is due at its offset or earlier), capped at the total. */
export function arrivalsDueBy(schedule: ArrivalSchedule, elapsedMs: number): number {
  if (elapsedMs < 0) return 0;
  const due = Math.floor((elapsedMs * schedule.ratePerSecond) / 1000 + 1e-9) + 1;
  return Math.min(due, totalArrivals(schedule));
}

export function checkSchedule(schedule: ArrivalSchedule): void {
  if (!(schedule.ratePerSecond > 0) || !Number.isFinite(schedule.ratePerSecond)) throw new RangeError(`rate must be a positive number (got ${schedule.ratePerSecond})`);
  if (!(schedule.durationMs > 0) || !Number.isFinite(schedule.durationMs)) throw new RangeError(`duration must be a positive number of ms (got ${schedule.durationMs})`);
}
