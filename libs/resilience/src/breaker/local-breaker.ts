import { systemClock, type Clock } from '../clock';
import { BreakerOpenError } from '../errors/breaker-open.error';
import { EventEmitter } from '../events/event';
import type { Breaker, BreakerSnapshot, CallRecorded, CallRejected, ModeChange, ProtectedCall, StateChange, TransitionReason } from './breaker';
import { resolveBreakerConfig, type BreakerConfig } from './breaker-config';
import { Admission, BreakerMachine } from './breaker-machine';
import { BreakerState } from './breaker-state';
import { GuardedCallRunner } from './guarded-call-runner';
import type { InFlightCall } from './in-flight-calls';
import { probePassed, type Outcome } from './outcome';
import { rate } from './trip-rule';

/** How often running calls are checked against the slow threshold. */
export const SLOW_CALL_SWEEP_INTERVAL_MS = 50;

export interface LocalBreakerOptions {
  clock?: Clock;
  /** Uniform in [0, 1): the open-interval jitter. */
  random?: () => number;
  slowCallSweepIntervalMs?: number;
  /**
   * Called with the outcome of every call that is not a probe, as it is counted. A fleet breaker
   * keeps those its local breaker saw while cut off from Redis, for the fleet's window.
   */
  onCallOutcome?: (outcome: Outcome, now: number) => void;
}

/** A breaker whose state lives in this process only. */
export class LocalBreaker implements Breaker {
  readonly mode = 'local' as const;
  readonly config: Readonly<BreakerConfig>;
  private readonly machine: BreakerMachine;
  private readonly runner: GuardedCallRunner;
  private readonly clock: Clock;
  private readonly sweepIntervalMs: number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastChange: { reason: TransitionReason; at: number } | undefined;
  private readonly onCallOutcome: ((outcome: Outcome, now: number) => void) | undefined;
  private readonly stateChanged = new EventEmitter<StateChange>();
  private readonly rejected = new EventEmitter<CallRejected>();
  private readonly recorded = new EventEmitter<CallRecorded>();
  private readonly modeChanged = new EventEmitter<ModeChange>();
  readonly onStateChange = this.stateChanged.event;
  readonly onCallRejected = this.rejected.event;
  readonly onCallRecorded = this.recorded.event;
  /** A local breaker never changes mode; the event exists to honour the Breaker interface. */
  readonly onModeChange = this.modeChanged.event;

  constructor(
    readonly name: string,
    config: Partial<BreakerConfig> = {},
    options: LocalBreakerOptions = {},
  ) {
    this.config = resolveBreakerConfig(name, config);
    this.clock = options.clock ?? systemClock;
    this.sweepIntervalMs = options.slowCallSweepIntervalMs ?? SLOW_CALL_SWEEP_INTERVAL_MS;
    this.onCallOutcome = options.onCallOutcome;
    this.machine = new BreakerMachine(this.config, options.random ?? Math.random, (t) => {
      this.lastChange = { reason: t.reason, at: this.clock.now() };
      this.stateChanged.emit({ breaker: name, ...t, mode: 'local' });
    });
    this.runner = new GuardedCallRunner(name, this.config, this.clock, (call, outcome, now) => this.count(call, outcome, now), this.recorded);
  }

  get state(): BreakerState {
    return this.machine.state;
  }

  execute<T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T> {
    const now = this.clock.now();
    const admission = this.machine.admit(now);
    if (admission === Admission.REJECT) {
      const retryAfterMs = this.machine.retryAfterMs(now);
      if (this.rejected.hasListeners) this.rejected.emit({ breaker: this.name, state: this.machine.state, retryAfterMs });
      return Promise.reject(new BreakerOpenError(this.name, this.machine.state, retryAfterMs));
    }
    if (this.machine.state === BreakerState.DISABLED) return this.runner.runUnguarded(call, signal);
    if (this.sweepTimer === undefined) this.startSweeping();
    return this.runner.run(call, signal, this.machine.version, admission === Admission.PROBE);
  }

  snapshot(): BreakerSnapshot {
    const now = this.clock.now();
    const t = this.machine.totals(now);
    const lastTrip = this.machine.lastTrip(now);
    return {
      name: this.name,
      state: this.machine.state,
      mode: this.mode,
      version: this.machine.version,
      calls: t.calls,
      failures: t.failures,
      slowCalls: t.slowCalls,
      failureRate: rate(t.failures, t.calls),
      slowCallRate: rate(t.slowCalls, t.calls),
      retryAfterMs: this.machine.retryAfterMs(now),
      minimumCalls: this.config.minimumCalls,
      failureRateThreshold: this.config.failureRateThreshold,
      slowCallRateThreshold: this.config.slowCallRateThreshold,
      ...(this.lastChange !== undefined && { reason: this.lastChange.reason, inStateMs: now - this.lastChange.at }),
      ...(lastTrip !== undefined && { lastTrip }),
    };
  }

  async forceOpen(): Promise<void> {
    this.machine.forceOpen();
  }

  async disable(): Promise<void> {
    this.machine.disable();
  }

  async reset(): Promise<void> {
    this.machine.reset();
  }

  /**
   * Takes over a state decided elsewhere: a fleet breaker hands its last known fleet view to its
   * local breaker when Redis stops answering. Announces nothing (the owner does).
   */
  adopt(state: BreakerState, version: number, retryAfterMs: number, openSteps: number): void {
    this.machine.adopt(this.clock.now(), state, version, retryAfterMs, openSteps);
    this.lastChange = undefined;
  }

  /** Empties the window (a fleet breaker calls this when the fleet starts a new episode). */
  clearWindow(): void {
    this.machine.clearWindow();
  }

  /** Counts an outcome into the window without judging it: the fleet judges while Redis answers. */
  observe(outcome: Outcome, now: number = this.clock.now()): void {
    this.machine.recordWindow(now, outcome);
  }

  /** Stops the slow-call sweep timer now (the next call starts it again); for shutdown and tests. */
  dispose(): void {
    this.stopSweeping();
  }

  private count(call: InFlightCall, outcome: Outcome, now: number): void {
    if (!call.probe) {
      this.machine.recordCall(now, outcome, call.version);
      this.onCallOutcome?.(outcome, now);
    }
    else if (outcome.verdict) this.machine.recordProbe(now, probePassed(outcome), call.version);
    else if (outcome.ignored) this.machine.releasePermit(call.version);
  }

  // The timer runs only while calls are in flight, and never keeps the process alive.
  private startSweeping(): void {
    this.sweepTimer = setInterval(() => {
      this.runner.sweep();
      if (this.runner.inFlight.size === 0) this.stopSweeping();
    }, this.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  private stopSweeping(): void {
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}

export function createLocalBreaker(name: string, config: Partial<BreakerConfig> = {}, options: LocalBreakerOptions = {}): LocalBreaker {
  return new LocalBreaker(name, config, options);
}
