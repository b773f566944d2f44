/** A time limit on one health probe, so a hung dependency makes the check down, not slow. */
export class HealthProbeTimeoutError extends Error {
  override readonly name = 'HealthProbeTimeoutError';
  readonly code = 'HEALTH_PROBE_TIMEOUT';

  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

export function within<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HealthProbeTimeoutError(timeoutMs)), timeoutMs);
    timer.unref();
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
