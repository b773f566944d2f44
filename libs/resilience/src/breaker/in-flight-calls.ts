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

interface Link extends InFlightCall {
  prev: Link | undefined;
  next: Link | undefined;
}

/**
 * The calls now running, oldest first, in an intrusive doubly linked list: start order is list
 * order, so a sweep for calls past the slow threshold stops at the first young one, and a hung
 * downstream is noticed without a timer per call. (A Set did the same at several times the cost
 * per call once it had lived a while: see docs/benchmarks.md.)
 */
export class InFlightCalls {
  private head: Link | undefined;
  private tail: Link | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  begin(startedAt: number, version: number, probe: boolean, permitId?: string): InFlightCall {
    const call: Link = { startedAt, version, probe, permitId, countedSlow: false, prev: this.tail, next: undefined };
    if (this.tail === undefined) this.head = call;
    else this.tail.next = call;
    this.tail = call;
    this.count++;
    return call;
  }

  end(call: InFlightCall): void {
    const link = call as Link;
    if (link.prev === undefined && this.head !== link) return; // already ended
    if (link.prev === undefined) this.head = link.next;
    else link.prev.next = link.next;
    if (link.next === undefined) this.tail = link.prev;
    else link.next.prev = link.prev;
    link.prev = link.next = undefined;
    this.count--;
  }

  /** Marks and returns the calls that crossed `slowMs` since the last sweep. */
  sweepSlow(now: number, slowMs: number): InFlightCall[] {
    const crossed: InFlightCall[] = [];
    for (let call = this.head; call !== undefined; call = call.next) {
      if (now - call.startedAt < slowMs) break;
      if (!call.countedSlow) {
        call.countedSlow = true;
        crossed.push(call);
      }
    }
    return crossed;
  }
}
