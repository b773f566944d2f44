import { InvalidConfigError } from '../errors/config.error';

/** Which errors count as failures of the downstream. The default counts every error. */
export type FailurePredicate = (error: unknown) => boolean;

export interface BreakerConfig {
  /** Trip when failures / calls in the window reaches this share (0 < x <= 1). */
  failureRateThreshold: number;
  /** Trip when slow calls / calls in the window reaches this share (0 < x <= 1). */
  slowCallRateThreshold: number;
  /** A call running this long is slow, counted as soon as it crosses the line, finished or not. */
  slowCallDurationMs: number;
  /** No rate trips the breaker before the window holds this many calls. */
  minimumCalls: number;
  /** Length of the sliding window. */
  windowMs: number;
  /** Buckets in the window; the window slides one bucket (windowMs / windowBuckets) at a time. */
  windowBuckets: number;
  /** Trip after this many failures in a row whatever the rate (for low traffic); 0 turns it off. */
  consecutiveFailures: number;
  /** First open interval; each further trip without a close in between multiplies it. */
  openBaseMs: number;
  openMultiplier: number;
  /** The open interval never exceeds this, so recovery is noticed within it. */
  openMaxMs: number;
  /** Share of the open interval removed at random (0..1) so a fleet does not probe in lockstep. */
  openJitter: number;
  /** Probe calls allowed in HALF_OPEN, fleet-wide for a fleet breaker. */
  halfOpenPermits: number;
  /** Successful probes that close the breaker (<= halfOpenPermits). */
  halfOpenSuccessThreshold: number;
  /** HALF_OPEN longer than this without a verdict (a probe's instance died) reopens the breaker. */
  halfOpenMaxWaitMs: number;
  /** Distinct instances that must have reported failures before the fleet trips (fleet only). */
  minReportingInstances: number;
  /** Which errors count as failures; the others (not ignored) count as successes: the downstream answered. */
  isFailure: FailurePredicate;
  /** Errors that count as nothing at all, and give a probe's permit back. */
  isIgnored: FailurePredicate;
}

export const DEFAULT_FAILURE_RATE_THRESHOLD = 0.5;
export const DEFAULT_SLOW_CALL_RATE_THRESHOLD = 0.5;
export const DEFAULT_SLOW_CALL_DURATION_MS = 2_000;
export const DEFAULT_MINIMUM_CALLS = 20;
export const DEFAULT_WINDOW_MS = 10_000;
export const DEFAULT_WINDOW_BUCKETS = 10;
export const DEFAULT_CONSECUTIVE_FAILURES = 0;
export const DEFAULT_OPEN_BASE_MS = 1_000;
export const DEFAULT_OPEN_MULTIPLIER = 2;
// Capped at 8 s so that a healed downstream is probed, and the fleet closed, within 10 s.
export const DEFAULT_OPEN_MAX_MS = 8_000;
export const DEFAULT_OPEN_JITTER = 0.2;
export const DEFAULT_HALF_OPEN_PERMITS = 3;
export const DEFAULT_HALF_OPEN_SUCCESS_THRESHOLD = 2;
export const DEFAULT_HALF_OPEN_MAX_WAIT_MS = 10_000;
export const DEFAULT_MIN_REPORTING_INSTANCES = 1;
export const countEveryError: FailurePredicate = () => true;

/**
 * The default `isIgnored`: errors that say the downstream never saw the call (a full bulkhead
 * inside the breaker, a deadline spent before the call could start). Counting them as failures
 * would trip a breaker on this instance's own overload; counting them as successes would let a
 * "probe" that never reached the downstream close the breaker.
 */
export const neverReachedDownstream: FailurePredicate = (error) => {
  const e = typeof error === 'object' && error !== null ? (error as { code?: unknown; started?: unknown }) : {};
  return e.code === 'BULKHEAD_REJECTED' || (e.code === 'TIMEOUT' && e.started === false);
};

export const DEFAULT_BREAKER_CONFIG: Readonly<BreakerConfig> = Object.freeze({
  failureRateThreshold: DEFAULT_FAILURE_RATE_THRESHOLD,
  slowCallRateThreshold: DEFAULT_SLOW_CALL_RATE_THRESHOLD,
  slowCallDurationMs: DEFAULT_SLOW_CALL_DURATION_MS,
  minimumCalls: DEFAULT_MINIMUM_CALLS,
  windowMs: DEFAULT_WINDOW_MS,
  windowBuckets: DEFAULT_WINDOW_BUCKETS,
  consecutiveFailures: DEFAULT_CONSECUTIVE_FAILURES,
  openBaseMs: DEFAULT_OPEN_BASE_MS,
  openMultiplier: DEFAULT_OPEN_MULTIPLIER,
  openMaxMs: DEFAULT_OPEN_MAX_MS,
  openJitter: DEFAULT_OPEN_JITTER,
  halfOpenPermits: DEFAULT_HALF_OPEN_PERMITS,
  halfOpenSuccessThreshold: DEFAULT_HALF_OPEN_SUCCESS_THRESHOLD,
  halfOpenMaxWaitMs: DEFAULT_HALF_OPEN_MAX_WAIT_MS,
  minReportingInstances: DEFAULT_MIN_REPORTING_INSTANCES,
  isFailure: countEveryError,
  isIgnored: neverReachedDownstream,
});

type NumericKey = Exclude<keyof BreakerConfig, 'isFailure' | 'isIgnored'>;

interface Rule {
  test(v: number): boolean;
  says: string;
}
const share: Rule = { test: (v) => v > 0 && v <= 1, says: 'must be a share greater than 0 and at most 1' };
const positiveInt: Rule = { test: (v) => Number.isInteger(v) && v >= 1, says: 'must be a whole number of at least 1' };
const nonNegativeInt: Rule = { test: (v) => Number.isInteger(v) && v >= 0, says: 'must be a whole number of at least 0' };
const positiveMs: Rule = { test: (v) => v > 0, says: 'must be a number of milliseconds greater than 0' };
const fraction: Rule = { test: (v) => v >= 0 && v <= 1, says: 'must be between 0 and 1' };
const atLeastOne: Rule = { test: (v) => v >= 1, says: 'must be at least 1' };

const RULES: Record<NumericKey, Rule> = {
  failureRateThreshold: share,
  slowCallRateThreshold: share,
  slowCallDurationMs: positiveMs,
  minimumCalls: positiveInt,
  windowMs: positiveMs,
  windowBuckets: positiveInt,
  consecutiveFailures: nonNegativeInt,
  openBaseMs: positiveMs,
  openMultiplier: atLeastOne,
  openMaxMs: positiveMs,
  openJitter: fraction,
  halfOpenPermits: positiveInt,
  halfOpenSuccessThreshold: positiveInt,
  halfOpenMaxWaitMs: positiveMs,
  minReportingInstances: positiveInt,
};

/**
 * Fills in the defaults and checks every value, reporting all problems at once: a service that
 * starts with a bad breaker configuration should say exactly which setting to fix.
 */
export function resolveBreakerConfig(name: string, partial: Partial<BreakerConfig> = {}): Readonly<BreakerConfig> {
  const problems: string[] = [];
  for (const key of Object.keys(partial)) {
    if (!Object.hasOwn(DEFAULT_BREAKER_CONFIG, key)) problems.push(`unknown setting ${key}`);
  }
  const config: BreakerConfig = { ...DEFAULT_BREAKER_CONFIG };
  for (const [key, value] of Object.entries(partial) as [keyof BreakerConfig, unknown][]) {
    if (value !== undefined && Object.hasOwn(DEFAULT_BREAKER_CONFIG, key)) (config as unknown as Record<string, unknown>)[key] = value;
  }
  for (const key of Object.keys(RULES) as NumericKey[]) {
    const value: unknown = config[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || !RULES[key].test(value)) {
      problems.push(`${key} ${RULES[key].says} (got ${typeof value === 'number' ? String(value) : JSON.stringify(value)})`);
    }
  }
  if (typeof config.isFailure !== 'function') problems.push('isFailure must be a function');
  if (typeof config.isIgnored !== 'function') problems.push('isIgnored must be a function');
  if (problems.length === 0) {
    if (config.halfOpenSuccessThreshold > config.halfOpenPermits) {
      problems.push(`halfOpenSuccessThreshold (${config.halfOpenSuccessThreshold}) cannot exceed halfOpenPermits (${config.halfOpenPermits}): the breaker could never close`);
    }
    if (config.openMaxMs < config.openBaseMs) {
      problems.push(`openMaxMs (${config.openMaxMs}) must be at least openBaseMs (${config.openBaseMs})`);
    }
    if (config.halfOpenMaxWaitMs <= config.slowCallDurationMs) {
      problems.push(`halfOpenMaxWaitMs (${config.halfOpenMaxWaitMs}) must exceed slowCallDurationMs (${config.slowCallDurationMs}), or a slow probe could never be judged`);
    }
    if (!Number.isInteger(config.windowMs / config.windowBuckets)) {
      problems.push(`windowMs (${config.windowMs}) must divide into windowBuckets (${config.windowBuckets}) whole milliseconds`);
    }
  }
  if (problems.length > 0) throw new InvalidConfigError(`breaker ${name}`, problems);
  return Object.freeze(config);
}
