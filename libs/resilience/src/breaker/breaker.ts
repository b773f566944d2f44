import type { Event } from '../events/event';
import type { BreakerState } from './breaker-state';
import { isTripReason, type TripReason, type TripRecord } from './trip-rule';

/** Where a breaker takes its decisions: the fleet's shared state, or this process alone. */
export type BreakerMode = 'fleet' | 'local';

/** A plain, serialisable view of a breaker (the shape of `GET /breakers`). */
export interface BreakerSnapshot {
  name: string;
  state: BreakerState;
  mode: BreakerMode;
  version: number;
  calls: number;
  failures: number;
  slowCalls: number;
  failureRate: number;
  slowCallRate: number;
  /** Until the next probe may pass; 0 when calls pass now. */
  retryAfterMs: number;
  minimumCalls: number;
  failureRateThreshold: number;
  slowCallRateThreshold: number;
  /** Why the breaker entered its current state; absent until its first transition. */
  reason?: TransitionReason;
  /** How long it has been in its current state; present with `reason`. */
  inStateMs?: number;
  /** The window when it last tripped; absent if it never did. */
  lastTrip?: TripRecord;
  /** Why a fleet breaker decides locally although Redis answers: its data there is unusable. */
  fault?: BreakerFault;
}

/** A fleet breaker that cannot use its shared state: what failed, and since when. */
export interface BreakerFault {
  /** A stable code, e.g. `FLEET_BREAKER_BROKEN`. */
  code: string;
  message: string;
  /** How long the breaker has been broken. */
  forMs: number;
}

const OTHER_REASONS = ['open-interval-elapsed', 'probe-failed', 'probes-succeeded', 'half-open-expired', 'forced-open', 'disabled', 'reset', 'fleet'] as const;

/** `fleet`: the fleet's state replaced the one this process decided alone (back from local mode), or the fleet did not say why. */
export type TransitionReason = TripReason | (typeof OTHER_REASONS)[number];

/** Reasons cross process boundaries (Redis replies, pub/sub): checked, not trusted. */
export const isTransitionReason = (value: unknown): value is TransitionReason => isTripReason(value) || (OTHER_REASONS as readonly unknown[]).includes(value);

export interface StateChange {
  breaker: string;
  from: BreakerState;
  to: BreakerState;
  version: number;
  reason: TransitionReason;
  mode: BreakerMode;
}

export interface CallRejected {
  breaker: string;
  state: BreakerState;
  retryAfterMs: number;
}

export interface CallRecorded {
  breaker: string;
  /** `probe` for a HALF_OPEN trial call. */
  kind: 'call' | 'probe';
  failed: boolean;
  /** The error said the downstream never saw the call (isIgnored): counted as nothing. */
  ignored: boolean;
  slow: boolean;
  durationMs: number;
  error?: unknown;
}

export interface ModeChange {
  breaker: string;
  mode: BreakerMode;
  cause?: unknown;
}

/** The work a breaker protects. It receives a signal to pass on to I/O it starts. */
export type ProtectedCall<T> = (signal: AbortSignal) => Promise<T>;

export interface Breaker {
  readonly name: string;
  /** This instance's view of the state; never does I/O. */
  readonly state: BreakerState;
  readonly mode: BreakerMode;
  /** Runs `call` if the breaker allows it; otherwise rejects with BreakerOpenError without calling. */
  execute<T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T>;
  snapshot(): BreakerSnapshot;
  /** Operator overrides; fleet-wide for a fleet breaker. */
  forceOpen(): Promise<void>;
  disable(): Promise<void>;
  /** Back to CLOSED with an empty window and the open backoff reset. */
  reset(): Promise<void>;
  readonly onStateChange: Event<StateChange>;
  readonly onCallRejected: Event<CallRejected>;
  readonly onCallRecorded: Event<CallRecorded>;
  readonly onModeChange: Event<ModeChange>;
}
