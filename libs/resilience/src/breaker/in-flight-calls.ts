/** One call between its start and its end, as the slow-call sweep sees it. */
export interface InFlightCall {
  readonly startedAt: number;
  /** The breaker version the call was admitted under; outcomes of older episodes are dropped. */
  readonly version: number;
  readonly probe: boolean;
  /** The fleet's half-open permit a probe runs under. */
  readonly permitId: string | undefined;
  /** Set once the call has been counted as slow while still running. */
  countedSlow: boolean;
}

/**
 * The calls now running, oldest first. A Set keeps insertion order, which is start order, so a
 * sweep for calls past the slow threshold stops at the first young one: a hung downstream is
 * noticed without a timer per call.
 */
export class InFlightCalls {
  private readonly calls = new Set<InFlightCall>();

  get size(): number {
    return this.calls.size;
  }

  begin(startedAt: number, version: number, probe: boolean, permitId?: string): InFlightCall {
    const call: InFlightCall = { startedAt, version, probe, permitId, countedSlow: false };
    this.calls.add(call);
    return call;
  }

  end(call: InFlightCall): void {
    this.calls.delete(call);
  }

  /** Marks and returns the calls that crossed `slowMs` since the last sweep. */
  sweepSlow(now: number, slowMs: number): InFlightCall[] {
    const crossed: InFlightCall[] = [];
    for (const call of this.calls) {
      if (now - call.startedAt < slowMs) break;
      if (!call.countedSlow) {
        call.countedSlow = true;
        crossed.push(call);
      }
    }
    return crossed;
  }
}
