/**
 * Milliseconds from an arbitrary origin that never goes backwards. Durations only: no value of
 * a clock is ever compared with another process's clock (times that cross processes are Redis
 * `TIME`, or durations).
 */
export interface Clock {
  now(): number;
}

// performance.now is monotonic (Date.now jumps with NTP) and jest's fake timers control it.
export const systemClock: Clock = { now: () => performance.now() };
