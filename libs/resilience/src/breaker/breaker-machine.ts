import type { BreakerConfig } from './breaker-config';
import { BreakerState } from './breaker-state';
import type { TransitionReason } from './breaker';
import { openIntervalMs } from './open-backoff';
import type { Outcome } from './outcome';
import { SlidingWindow, type WindowTotals } from './sliding-window';
import { isTripReason, tripReason, tripRecord, type TripReason, type TripRecord } from './trip-rule';

/** What the machine says to a call that asks to run. */
export const Admission = { CALL: 0, PROBE: 1, REJECT: 2 } as const;
export type Admission = (typeof Admission)[keyof typeof Admission];

export interface Transition {
  from: BreakerState;
  to: BreakerState;
  version: number;
  reason: TransitionReason;
}

/**
 * The breaker's rules in one process: the state machine, the window, the open backoff and the
 * half-open permits. It knows nothing of how calls run; the local breaker drives it, and a fleet
 * breaker drives it while Redis is unreachable. The Lua scripts in redis-store apply the same
 * rules to the fleet's shared state.
 */
export class BreakerMachine {
  private current: BreakerState = BreakerState.CLOSED;
  private versionValue = 0;
  private openUntil = 0;
  /** Trips in a row since the last close: the backoff step of the next open interval. */
  private openSteps = 0;
  private halfOpenSince = 0;
  private permitsIssued = 0;
  private probeSuccesses = 0;
  private consecutiveFailures = 0;
  /** The window as it was when the breaker last tripped, before the trip emptied it. */
  private trip: { reason: TripReason; at: number; totals: WindowTotals } | undefined;
  private readonly window: SlidingWindow;

  constructor(
    private readonly config: Readonly<BreakerConfig>,
    private readonly random: () => number,
    private readonly onTransition: (t: Transition) => void,
  ) {
    this.window = new SlidingWindow(config.windowMs, config.windowBuckets);
  }

  get state(): BreakerState {
    return this.current;
  }

  get version(): number {
    return this.versionValue;
  }

  totals(now: number): WindowTotals {
    return this.window.totals(now);
  }

  admit(now: number): Admission {
    switch (this.current) {
      case BreakerState.CLOSED:
      case BreakerState.DISABLED:
        return Admission.CALL;
      case BreakerState.FORCED_OPEN:
        return Admission.REJECT;
      case BreakerState.OPEN:
        if (now < this.openUntil) return Admission.REJECT;
        // Set before announcing, so listeners that read the breaker see the new episode.
        this.halfOpenSince = now;
        this.permitsIssued = 0;
        this.probeSuccesses = 0;
        this.moveTo(BreakerState.HALF_OPEN, 'open-interval-elapsed');
        return this.issuePermit(now);
      case BreakerState.HALF_OPEN:
        return this.issuePermit(now);
    }
  }

  lastTrip(now: number): TripRecord | undefined {
    return this.trip === undefined ? undefined : tripRecord(this.trip.reason, now - this.trip.at, this.trip.totals);
  }

  retryAfterMs(now: number): number {
    switch (this.current) {
      case BreakerState.OPEN:
        return Math.max(0, this.openUntil - now);
      case BreakerState.HALF_OPEN:
        return this.permitsIssued < this.config.halfOpenPermits ? 0 : Math.max(0, this.halfOpenSince + this.config.halfOpenMaxWaitMs - now);
      case BreakerState.FORCED_OPEN:
        // No end is known for an operator's override; the base interval is a sensible hint.
        return this.config.openBaseMs;
      default:
        return 0;
    }
  }

  /** Counts the outcome of a call admitted under `version`; trips the breaker when the rule says so. */
  recordCall(now: number, outcome: Outcome, version: number): void {
    // A call admitted in an earlier episode (before a trip or a close) says nothing about this one.
    if (version !== this.versionValue) return;
    this.recordWindow(now, outcome);
    // Whenever the window changes, a success included: one that brings the window to minimumCalls
    // with the failure rate already over the threshold trips it (record-outcomes-4.lua agrees).
    if (this.current !== BreakerState.CLOSED) return;
    const reason = tripReason(this.window.totals(now), this.consecutiveFailures, this.config);
    if (reason !== undefined) this.open(now, reason);
  }

  /** Counts into the window only, whatever the state (a fleet breaker keeps it warm for local mode). */
  recordWindow(now: number, outcome: Outcome): void {
    if (this.current === BreakerState.DISABLED) return;
    if (outcome.failures > 0) this.consecutiveFailures++;
    else if (outcome.succeeded) this.consecutiveFailures = 0;
    this.window.record(now, outcome.calls, outcome.failures, outcome.slowCalls);
  }

  recordProbe(now: number, passed: boolean, version: number): void {
    if (this.current !== BreakerState.HALF_OPEN || version !== this.versionValue) return;
    if (!passed) {
      this.open(now, 'probe-failed');
      return;
    }
    this.probeSuccesses++;
    if (this.probeSuccesses >= this.config.halfOpenSuccessThreshold) this.close('probes-succeeded');
  }

  /** Forgets the window: the fleet started a new episode that this process's window knows nothing of. */
  clearWindow(): void {
    this.window.clear();
    this.consecutiveFailures = 0;
  }

  /** A probe ended without a verdict (its error did not count): its permit can be used again. */
  releasePermit(version: number): void {
    if (this.current === BreakerState.HALF_OPEN && version === this.versionValue && this.permitsIssued > 0) this.permitsIssued--;
  }

  forceOpen(): void {
    if (this.current !== BreakerState.FORCED_OPEN) this.moveTo(BreakerState.FORCED_OPEN, 'forced-open');
  }

  disable(): void {
    if (this.current !== BreakerState.DISABLED) this.moveTo(BreakerState.DISABLED, 'disabled');
  }

  reset(): void {
    this.close('reset');
  }

  /**
   * Takes over a state decided elsewhere (the fleet's last known view) without announcing it:
   * the caller already did. `retryAfterMs` is a duration, so no clock is shared.
   */
  adopt(now: number, state: BreakerState, version: number, retryAfterMs: number, openSteps: number): void {
    this.current = state;
    this.versionValue = version;
    this.openSteps = openSteps;
    this.openUntil = now + retryAfterMs;
    this.halfOpenSince = now;
    this.permitsIssued = 0;
    this.probeSuccesses = 0;
    // A trip this process saw earlier belongs to another episode than the one adopted.
    this.trip = undefined;
  }

  private issuePermit(now: number): Admission {
    if (this.permitsIssued < this.config.halfOpenPermits) {
      this.permitsIssued++;
      return Admission.PROBE;
    }
    if (now - this.halfOpenSince >= this.config.halfOpenMaxWaitMs) this.open(now, 'half-open-expired');
    return Admission.REJECT;
  }

  private open(now: number, reason: TransitionReason): void {
    if (this.current === BreakerState.CLOSED && isTripReason(reason)) this.trip = { reason, at: now, totals: this.window.totals(now) };
    this.openUntil = now + openIntervalMs(this.config, this.openSteps, this.random());
    this.openSteps++;
    this.window.clear();
    this.consecutiveFailures = 0;
    this.moveTo(BreakerState.OPEN, reason);
  }

  private close(reason: TransitionReason): void {
    this.openSteps = 0;
    this.window.clear();
    this.consecutiveFailures = 0;
    this.moveTo(BreakerState.CLOSED, reason);
  }

  private moveTo(to: BreakerState, reason: TransitionReason): void {
    const from = this.current;
    this.current = to;
    this.versionValue++;
    this.onTransition({ from, to, version: this.versionValue, reason });
  }
}
