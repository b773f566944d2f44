import type { Outcome, WindowTotals } from '@breakwater/resilience';
import type { OutcomeBatchArgs } from './breaker-scripts';

interface Batch extends OutcomeBatchArgs {
  createdAt: number;
  /** When its newest outcome was added; its age when sent places it in the fleet's window. */
  lastAt: number;
}

/** Outcomes waiting to reach the fleet, as the trip rule needs them summed. */
export interface PendingOutcomes extends WindowTotals {
  sawSuccess: boolean;
  trailingFailures: number;
}

/** The most batches kept while Redis does not answer; older ones are outside the window anyway. */
export const MAX_QUEUED_BATCHES = 200;

/**
 * Collects one breaker's outcomes into batches for record-outcomes-4.lua. A batch gets its
 * sequence number when it is sealed and keeps it until Redis confirms it; batches are sent in
 * sequence order, so the script's high-water mark per session recognises a flush retried after a
 * timeout and counts it once. Outcomes of different breaker versions never share a batch (the
 * script drops outcomes of an earlier episode), and outcomes that count as nothing make no batch.
 */
export class OutcomeBatcher {
  private open: Batch | undefined;
  private sealed: Batch[] = [];

  constructor(
    private readonly session: string,
    private readonly nextSequence: () => number,
    /** Batches older than this are dropped unsent: they would land outside the window. */
    private readonly maxAgeMs: number,
    /** A batch never spans two buckets of this length (of the window), so its age places it. */
    private readonly bucketMs: number = maxAgeMs,
  ) {}

  get isEmpty(): boolean {
    return this.open === undefined && this.sealed.length === 0;
  }

  add(outcome: Outcome, version: number, now: number): void {
    // An ignored error (the downstream never saw the call) changes nothing: no batch, no script.
    if (outcome.calls + outcome.failures + outcome.slowCalls === 0 && !outcome.succeeded) return;
    let batch = this.open;
    if (batch === undefined || batch.version !== version || Math.floor(batch.createdAt / this.bucketMs) !== Math.floor(now / this.bucketMs)) {
      this.seal();
      batch = this.open = { session: this.session, sequence: 0, version, calls: 0, failures: 0, slowCalls: 0, sawSuccess: false, trailingFailures: 0, ageMs: 0, createdAt: now, lastAt: now };
    }
    batch.lastAt = now;
    batch.calls += outcome.calls;
    batch.failures += outcome.failures;
    batch.slowCalls += outcome.slowCalls;
    if (outcome.failures > 0) batch.trailingFailures += outcome.failures;
    else if (outcome.succeeded) {
      batch.sawSuccess = true;
      batch.trailingFailures = 0;
    }
  }

  /** Seals the open batch and returns every batch not yet confirmed, oldest first, each with its age at `now`. */
  takeReady(now: number): readonly OutcomeBatchArgs[] {
    this.seal();
    const cutoff = now - this.maxAgeMs;
    if (this.sealed.length > 0 && this.sealed[0].createdAt < cutoff) this.sealed = this.sealed.filter((b) => b.createdAt >= cutoff);
    for (const b of this.sealed) b.ageMs = Math.max(0, now - b.lastAt);
    return this.sealed.slice();
  }

  /** Moves every unconfirmed outcome to `version`, in place and in order: Redis lost the state they were collected under. */
  retag(version: number): void {
    for (const b of this.sealed) b.version = version;
    if (this.open !== undefined) this.open.version = version;
  }

  confirm(batch: OutcomeBatchArgs): void {
    this.sealed = this.sealed.filter((b) => b !== batch);
  }

  /** Whether any outcome not yet confirmed is a failure or a slow call; allocates nothing (the hot path asks). */
  get holdsFailures(): boolean {
    if (this.open !== undefined && this.open.failures + this.open.slowCalls > 0) return true;
    for (const b of this.sealed) if (b.failures + b.slowCalls > 0) return true;
    return false;
  }

  /** Everything not yet confirmed, summed in order (the consecutive-failure run spans batches). */
  pending(): PendingOutcomes {
    const sum: PendingOutcomes = { calls: 0, failures: 0, slowCalls: 0, sawSuccess: false, trailingFailures: 0 };
    const all = this.open === undefined ? this.sealed : [...this.sealed, this.open];
    for (const b of all) {
      sum.calls += b.calls;
      sum.failures += b.failures;
      sum.slowCalls += b.slowCalls;
      if (b.sawSuccess) {
        sum.sawSuccess = true;
        sum.trailingFailures = b.trailingFailures;
      } else sum.trailingFailures += b.trailingFailures;
    }
    return sum;
  }

  private seal(): void {
    if (this.open === undefined) return;
    this.open.sequence = this.nextSequence();
    this.sealed.push(this.open);
    this.open = undefined;
    if (this.sealed.length > MAX_QUEUED_BATCHES) this.sealed.shift();
  }
}
