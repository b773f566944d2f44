// Shared by the core's unit tests, which run on jest's fake timers (`jest.useFakeTimers({ now: 0 })`).
import type { Clock } from '../src/clock';

/** The breaker's and policies' clock reads the fake timers' own time. */
export const clock: Clock = { now: () => Date.now() };

/** Moves fake time forward, running the timers (and the promise callbacks they release) on the way. */
export async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

/** What became of a promise so far; watching it also keeps its rejection from going unhandled. */
export interface Watched<T> {
  settled: boolean;
  value?: T;
  error?: unknown;
}

export function watch<T>(promise: Promise<T>): Watched<T> {
  const w: Watched<T> = { settled: false };
  promise.then(
    (value) => Object.assign(w, { settled: true, value }),
    (error: unknown) => Object.assign(w, { settled: true, error }),
  );
  return w;
}
