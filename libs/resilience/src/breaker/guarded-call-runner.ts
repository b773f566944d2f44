import type { Clock } from '../clock';
import type { EventEmitter } from '../events/event';
import type { CallRecorded, ProtectedCall } from './breaker';
import type { BreakerConfig } from './breaker-config';
import { InFlightCalls, type InFlightCall } from './in-flight-calls';
import { finishedOutcome, Outcomes, type Outcome } from './outcome';

import { NEVER_ABORTED } from '../never-aborted';

/**
 * Runs admitted calls and turns each into outcomes: when it ends, and earlier if it runs past
 * the slow threshold (found by `sweep`, which the owner calls on a timer). Shared by the local
 * and the fleet breaker, so both count calls the same way.
 */
export class GuardedCallRunner {
  readonly inFlight = new InFlightCalls();

  constructor(
    private readonly breaker: string,
    private readonly config: Readonly<Pick<BreakerConfig, 'slowCallDurationMs' | 'isFailure' | 'isIgnored'>>,
    private readonly clock: Clock,
    private readonly onOutcome: (call: InFlightCall, outcome: Outcome, now: number) => void,
    private readonly recorded: EventEmitter<CallRecorded>,
  ) {}

  async run<T>(call: ProtectedCall<T>, signal: AbortSignal | undefined, version: number, probe: boolean, permitId?: string): Promise<T> {
    const flight = this.inFlight.begin(this.clock.now(), version, probe, permitId);
    let result: T;
    try {
      result = await call(signal ?? NEVER_ABORTED);
    } catch (error) {
      this.finish(flight, true, error);
      throw error;
    }
    this.finish(flight, false, undefined);
    return result;
  }

  /**
   * Runs a call of a disabled breaker. An operator disables a breaker to take it out of the way,
   * so its calls are neither timed, nor counted, nor announced: it records nothing.
   */
  async runUnguarded<T>(call: ProtectedCall<T>, signal: AbortSignal | undefined): Promise<T> {
    return call(signal ?? NEVER_ABORTED);
  }

  /** Counts the running calls that crossed the slow threshold: a hung downstream trips the breaker. */
  sweep(): void {
    if (this.inFlight.size === 0) return;
    const now = this.clock.now();
    for (const flight of this.inFlight.sweepSlow(now, this.config.slowCallDurationMs)) {
      this.onOutcome(flight, Outcomes.CROSSED_SLOW, now);
    }
  }

  private finish(flight: InFlightCall, threw: boolean, error: unknown): void {
    this.inFlight.end(flight);
    const now = this.clock.now();
    const durationMs = now - flight.startedAt;
    // An error that says the downstream never saw the call is neither a failure nor a success.
    const ignored = threw && this.judge(this.config.isIgnored, error);
    const failed = threw && !ignored && this.judge(this.config.isFailure, error);
    const slow = durationMs >= this.config.slowCallDurationMs;
    const outcome = ignored
      ? flight.countedSlow
        ? Outcomes.IGNORED_AFTER_SLOW
        : Outcomes.IGNORED
      : flight.countedSlow
        ? failed
          ? Outcomes.FAILED_AFTER_SLOW
          : Outcomes.SUCCEEDED_AFTER_SLOW
        : finishedOutcome(failed, slow);
    this.onOutcome(flight, outcome, now);
    if (this.recorded.hasListeners) {
      this.recorded.emit({ breaker: this.breaker, kind: flight.probe ? 'probe' : 'call', failed, ignored, slow, durationMs, error: threw ? error : undefined });
    }
  }

  private judge(predicate: (error: unknown) => boolean, error: unknown): boolean {
    try {
      return predicate(error);
    } catch {
      // A predicate that cannot judge the error must not hide a failing downstream.
      return predicate === this.config.isFailure;
    }
  }
}
