export const DEFAULT_AUTH_MAX_FAILURES = 10;
export const DEFAULT_AUTH_FAILURE_WINDOW_MS = 60_000;
/** Addresses tracked at once; past it, new ones share one bucket (memory stays bounded under many addresses). */
export const MAX_TRACKED_ADDRESSES = 10_000;
const OVERFLOW_BUCKET = '(too many addresses)';

export interface FailedAttemptSettings {
  maxFailures: number;
  windowMs: number;
}

interface Bucket {
  failures: number;
  windowEndsAt: number;
}

/**
 * Failed credential attempts per client address, in fixed windows, in this process
 * (docs/decisions.md, "Admin token guesses are limited per instance"). An address that has spent
 * its failures is refused until its window ends, whatever it sends: refusing only wrong tokens
 * would still tell a guesser when a guess is right.
 */
export class FailedAttempts {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly settings: FailedAttemptSettings,
    private readonly now: () => number = Date.now,
    private readonly maxTracked = MAX_TRACKED_ADDRESSES,
  ) {}

  /** How long `address` must wait before it may try again; 0 when it may try now. */
  retryAfterMs(address: string): number {
    const bucket = this.live(this.key(address));
    if (bucket === undefined || bucket.failures < this.settings.maxFailures) return 0;
    return bucket.windowEndsAt - this.now();
  }

  recordFailure(address: string): void {
    const key = this.key(address);
    const bucket = this.live(key);
    if (bucket === undefined) this.buckets.set(key, { failures: 1, windowEndsAt: this.now() + this.settings.windowMs });
    else bucket.failures++;
  }

  /** Addresses with a live window (for tests and the bound). */
  get tracked(): number {
    return this.buckets.size;
  }

  private key(address: string): string {
    if (this.buckets.has(address) || this.buckets.size < this.maxTracked) return address;
    this.dropExpired();
    return this.buckets.size < this.maxTracked ? address : OVERFLOW_BUCKET;
  }

  private live(key: string): Bucket | undefined {
    const bucket = this.buckets.get(key);
    if (bucket === undefined || bucket.windowEndsAt > this.now()) return bucket;
    this.buckets.delete(key);
    return undefined;
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) if (bucket.windowEndsAt <= now) this.buckets.delete(key);
  }
}
