import { InvalidConfigError } from '../errors/config.error';
import type { CallSample, ConcurrencyLimit } from './concurrency-limit';

interface Bounds {
  initial: number;
  /** The limit never falls below this (the downstream always gets some traffic to learn from). */
  floor: number;
  /** The limit never rises above this. */
  ceiling: number;
}

function checkBounds(name: string, b: Bounds, extra: string[] = []): void {
  const problems = [...extra];
  if (!(Number.isInteger(b.floor) && b.floor >= 1)) problems.push(`floor must be a whole number of at least 1 (got ${b.floor})`);
  if (!(Number.isInteger(b.ceiling) && b.ceiling >= b.floor)) problems.push(`ceiling must be a whole number of at least floor (got ${b.ceiling})`);
  if (!(b.initial >= b.floor && b.initial <= b.ceiling)) problems.push(`initial must lie between floor and ceiling (got ${b.initial})`);
  if (problems.length > 0) throw new InvalidConfigError(name, problems);
}

const clamp = (v: number, b: Bounds): number => Math.min(b.ceiling, Math.max(b.floor, v));

export interface AimdOptions extends Bounds {
  /** A call slower than this counts like a failure: the downstream is saturating. */
  latencyThresholdMs: number;
  /** Multiplies the limit on a failure or a slow call (0 < x < 1). */
  backoffRatio?: number;
}

export const DEFAULT_AIMD_BACKOFF_RATIO = 0.9;

/**
 * Additive increase, multiplicative decrease: each good call while the bulkhead is busy adds
 * 1/limit (one slot per limit's worth of calls), each failed or slow call multiplies the limit by
 * `backoffRatio`. When the downstream slows down the limit falls; when it recovers it climbs back.
 */
export class AimdLimit implements ConcurrencyLimit {
  private value: number;
  private readonly backoffRatio: number;

  constructor(private readonly options: AimdOptions) {
    this.backoffRatio = options.backoffRatio ?? DEFAULT_AIMD_BACKOFF_RATIO;
    const extra = [];
    if (!(options.latencyThresholdMs > 0)) extra.push(`latencyThresholdMs must be greater than 0 (got ${options.latencyThresholdMs})`);
    if (!(this.backoffRatio > 0 && this.backoffRatio < 1)) extra.push(`backoffRatio must lie between 0 and 1 (got ${this.backoffRatio})`);
    checkBounds('AIMD limit', options, extra);
    this.value = options.initial;
  }

  get current(): number {
    return Math.floor(this.value);
  }

  onSample(sample: CallSample): void {
    if (sample.failed || sample.latencyMs > this.options.latencyThresholdMs) {
      this.value = clamp(this.value * this.backoffRatio, this.options);
    } else if (sample.inFlight * 2 >= this.current) {
      // Growing an idle bulkhead's limit would only hide the next overload.
      this.value = clamp(this.value + 1 / this.value, this.options);
    }
  }
}

export interface GradientOptions extends Bounds {
  /** How much slower than its best the downstream may get before the limit shrinks (>= 1). */
  tolerance?: number;
  /** Weight of each new sample in the short-term latency average (0 < x <= 1). */
  smoothing?: number;
  /** Weight of each new sample in the long-term (baseline) latency average; much smaller. */
  baselineSmoothing?: number;
}

export const DEFAULT_GRADIENT_TOLERANCE = 1.5;
export const DEFAULT_GRADIENT_SMOOTHING = 0.2;
export const DEFAULT_GRADIENT_BASELINE_SMOOTHING = 0.01;

/**
 * Gradient-style limit (after Netflix's Gradient2): compares the short-term latency with a
 * slowly moving baseline. limit' = limit x clamp(tolerance x baseline / recent, 0.5, 1) + sqrt(limit):
 * while latency is at its baseline the square root lets the limit grow; when latency rises the
 * gradient shrinks it. Failures count as a doubling of latency.
 */
export class GradientLimit implements ConcurrencyLimit {
  private value: number;
  private recent = 0;
  private baseline = 0;
  private readonly tolerance: number;
  private readonly smoothing: number;
  private readonly baselineSmoothing: number;

  constructor(private readonly options: GradientOptions) {
    this.tolerance = options.tolerance ?? DEFAULT_GRADIENT_TOLERANCE;
    this.smoothing = options.smoothing ?? DEFAULT_GRADIENT_SMOOTHING;
    this.baselineSmoothing = options.baselineSmoothing ?? DEFAULT_GRADIENT_BASELINE_SMOOTHING;
    const extra = [];
    if (!(this.tolerance >= 1)) extra.push(`tolerance must be at least 1 (got ${this.tolerance})`);
    if (!(this.smoothing > 0 && this.smoothing <= 1)) extra.push(`smoothing must lie in (0, 1] (got ${this.smoothing})`);
    if (!(this.baselineSmoothing > 0 && this.baselineSmoothing <= this.smoothing)) extra.push(`baselineSmoothing must lie in (0, smoothing] (got ${this.baselineSmoothing})`);
    checkBounds('gradient limit', options, extra);
    this.value = options.initial;
  }

  get current(): number {
    return Math.floor(this.value);
  }

  onSample(sample: CallSample): void {
    const latency = Math.max(0.001, sample.failed ? sample.latencyMs * 2 : sample.latencyMs);
    if (this.baseline === 0) this.baseline = this.recent = latency;
    this.recent += (latency - this.recent) * this.smoothing;
    // The baseline follows latency down at once but up only slowly, so it remembers "healthy".
    this.baseline = latency < this.baseline ? latency : this.baseline + (latency - this.baseline) * this.baselineSmoothing;
    const gradient = Math.max(0.5, Math.min(1, (this.tolerance * this.baseline) / this.recent));
    const target = this.value * gradient + (gradient === 1 ? Math.sqrt(this.value) : 0);
    this.value = clamp(this.value + (target - this.value) * this.smoothing, this.options);
  }
}

export const aimdLimit = (options: AimdOptions): AimdLimit => new AimdLimit(options);
export const gradientLimit = (options: GradientOptions): GradientLimit => new GradientLimit(options);
