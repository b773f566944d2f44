export const UNKNOWN_DOWNSTREAM = 'UNKNOWN_DOWNSTREAM';

/** A breaker or policy asked for by a name that BreakwaterModule was not configured with. */
export class UnknownDownstreamError extends Error {
  override readonly name = 'UnknownDownstreamError';
  readonly code = UNKNOWN_DOWNSTREAM;

  constructor(
    readonly downstream: string,
    readonly known: readonly string[],
  ) {
    super(`no downstream named ${downstream} (configured: ${known.join(', ') || 'none'})`);
  }
}

export const isUnknownDownstreamError = (e: unknown): e is UnknownDownstreamError =>
  e instanceof UnknownDownstreamError || (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === UNKNOWN_DOWNSTREAM);
