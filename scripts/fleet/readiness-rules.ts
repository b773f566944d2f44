// The decision rules of readiness routing, without I/O: when one instance counts as ready
// (hysteresis), and which instances nginx routes to (never none).

export interface ReadinessThresholds {
  /** Failed checks in a row that make a ready instance not ready. */
  fall: number;
  /** Good checks in a row that make a not-ready instance ready. */
  rise: number;
}

/**
 * One instance's readiness as the launcher judges it. It starts ready (it answered
 * /health/ready before READY); one odd answer in a streak of the other kind changes nothing, so a
 * single slow check does not cost a reload and a flapping instance stays out until it holds.
 */
export class ReadinessHysteresis {
  private ready = true;
  private streak = 0;

  constructor(private readonly thresholds: ReadinessThresholds) {}

  get isReady(): boolean {
    return this.ready;
  }

  /** Records one check; true when it changed the judgement. */
  record(ok: boolean): boolean {
    if (ok === this.ready) {
      this.streak = 0;
      return false;
    }
    this.streak += 1;
    if (this.streak < (this.ready ? this.thresholds.fall : this.thresholds.rise)) return false;
    this.ready = ok;
    this.streak = 0;
    return true;
  }

  /** Forgets a streak half counted: what a process answered says nothing of the one restarted after it. */
  forgetStreak(): void {
    this.streak = 0;
  }
}

export interface Routing {
  /** The instances nginx sends requests to, in the order given. */
  routed: string[];
  /** True when none is ready and every one is routed anyway. */
  noneReady: boolean;
}

/**
 * The ready instances; when none is (Redis down for all), every one: each answers a payment with
 * its own 503 and Retry-After, where nginx with no server left would answer 502 itself.
 */
export function routingFor(readiness: ReadonlyArray<readonly [name: string, ready: boolean]>): Routing {
  const ready = readiness.filter(([, isReady]) => isReady).map(([name]) => name);
  if (ready.length > 0) return { routed: ready, noneReady: false };
  return { routed: readiness.map(([name]) => name), noneReady: true };
}

export function sameRouting(a: Routing, b: Routing): boolean {
  return a.noneReady === b.noneReady && a.routed.length === b.routed.length && a.routed.every((name, i) => b.routed[i] === name);
}
