/** How the delay before each retry is drawn. */
export type JitterKind = 'full' | 'decorrelated';

export interface BackoffSettings {
  baseMs: number;
  capMs: number;
  jitter: JitterKind;
}

/**
 * The delay before retry number `retry` (1 for the first retry).
 * - full jitter: uniform in [0, min(cap, base x 2^(retry-1))), spreading retries of a fleet.
 * - decorrelated jitter: uniform in [base, previous x 3), capped; each delay grows from the last.
 * `sample` is uniform in [0, 1).
 */
export function backoffDelayMs(settings: BackoffSettings, retry: number, previousMs: number, sample: number): number {
  if (settings.jitter === 'full') return sample * Math.min(settings.capMs, settings.baseMs * Math.pow(2, retry - 1));
  const upper = Math.max(settings.baseMs, previousMs * 3);
  return Math.min(settings.capMs, settings.baseMs + sample * (upper - settings.baseMs));
}
