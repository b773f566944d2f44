// Applies the latest wanted value, at most once per `minIntervalMs`: the changes wanted in
// between are folded into one application, and a value equal to the applied one costs nothing.
// For nginx reloads: an instance that flaps must not turn into a reload storm.

export interface ReloadDebounceSettings<T> {
  /** What is in force now. */
  initial: T;
  minIntervalMs: number;
  same: (a: T, b: T) => boolean;
  /** Rejects when it could not apply: the value is tried again after `minIntervalMs`. */
  apply: (value: T) => Promise<void>;
  onError: (error: unknown) => void;
  now?: () => number;
}

export class ReloadDebounce<T> {
  private applied: T;
  private wanted: T;
  private lastAppliedAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private count = 0;

  constructor(private readonly settings: ReloadDebounceSettings<T>) {
    this.applied = settings.initial;
    this.wanted = settings.initial;
  }

  /** Applications begun so far. */
  get applications(): number {
    return this.count;
  }

  want(value: T): void {
    this.wanted = value;
    this.schedule();
  }

  /** No application after this one; resolves once the one running (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped || this.timer !== undefined || this.running !== undefined) return;
    if (this.settings.same(this.wanted, this.applied)) return;
    const now = this.settings.now ?? Date.now;
    const waitMs = Math.max(0, this.lastAppliedAt + this.settings.minIntervalMs - now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.applyWanted().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, waitMs);
  }

  private async applyWanted(): Promise<void> {
    const value = this.wanted;
    if (this.settings.same(value, this.applied)) return;
    this.lastAppliedAt = (this.settings.now ?? Date.now)();
    this.count += 1;
    try {
      await this.settings.apply(value);
      this.applied = value;
    } catch (error) {
      this.settings.onError(error);
    }
  }
}
