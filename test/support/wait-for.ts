// Polling helpers for integration tests that run on real timers: wait for a condition rather
// than sleeping a fixed time, and fail with a message that says what never happened.

const DEFAULT_TIMEOUT_MS = 2_000;
const DEFAULT_INTERVAL_MS = 10;

export class WaitForTimeoutError extends Error {
  override readonly name = 'WaitForTimeoutError';

  constructor(
    readonly description: string,
    readonly timeoutMs: number,
    readonly lastError?: unknown,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${description}` + (lastError === undefined ? '' : ` (last error: ${String(lastError)})`));
  }
}

export interface WaitForOptions {
  /** Give up after this long; default 2000 ms. */
  timeoutMs?: number;
  /** Check this often; default 10 ms. */
  intervalMs?: number;
  /** What is being waited for, for the timeout message. */
  description?: string;
}

/**
 * Resolves with the milliseconds it took once `condition` returns true (checked at once, then
 * every `intervalMs`); rejects with a WaitForTimeoutError after `timeoutMs`. A condition that
 * throws counts as false; its last error goes into the timeout message.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMsOrOptions: number | WaitForOptions = {}): Promise<number> {
  const options = typeof timeoutMsOrOptions === 'number' ? { timeoutMs: timeoutMsOrOptions } : timeoutMsOrOptions;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const started = performance.now();
  let lastError: unknown;
  for (;;) {
    try {
      if (await condition()) return performance.now() - started;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() - started >= timeoutMs) throw new WaitForTimeoutError(options.description ?? 'the condition', timeoutMs, lastError);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One turn of the event loop: timers and I/O (Redis replies, pub/sub messages) get to run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The rejection of `promise`; fails if it resolves instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}
