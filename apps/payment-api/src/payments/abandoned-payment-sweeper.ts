import { Logger } from '@nestjs/common';
import type { QueueLock } from '../jobs/queue-lock';
import type { PaymentFlow } from './payment-flow';
import { PaymentAttemptsChangedError, PaymentChangedError, PaymentTransitionError, type PaymentStore } from './payment-store';
import type { UnsettledEntry, UnsettledPayments } from './unsettled-payments';

/** How often each instance tries to sweep (one of them does, holding the lock). */
export const SWEEP_INTERVAL_MS = 5_000;
/** Payments one round looks at, at most. */
export const SWEEP_PAGE = 100;
/**
 * A payment whose recovery failed is looked at again after this long, not first every round: the
 * oldest SWEEP_PAGE entries are all a round takes, so a hundred that always fail would otherwise
 * keep every newer one from being swept.
 */
export const SWEEP_RETRY_MS = 30_000;

export interface SweeperDeps {
  flow: Pick<PaymentFlow, 'recoverAbandoned'>;
  store: Pick<PaymentStore, 'get' | 'redisTimeMs'>;
  unsettled: UnsettledPayments;
  /** One sweeper at a time across the fleet; an efficiency lock (a second sweep is harmless). */
  lock: QueueLock;
  /** PAYMENT_LEASE_MS: a payment untouched this long (Redis time) belongs to a request that died. */
  leaseMs: number;
}

/** What one round did. */
export interface SweepResult {
  /** false: another instance holds the lock, this one did nothing. */
  swept: boolean;
  recovered: number;
  failed: number;
}

/** The payment changed after the sweeper read it: someone is working on it (a client's retry), it is left. */
const changedMeanwhile = (error: unknown): boolean => error instanceof PaymentChangedError || error instanceof PaymentAttemptsChangedError || error instanceof PaymentTransitionError;

/**
 * Recovers payments whose request died and whose client never comes back (issue 10, item 21):
 * without it a payment left RECEIVED with a charge that went through stays so until a request
 * with its key comes back. Every SWEEP_INTERVAL_MS
 * each instance tries the sweep lock (SET NX PX, a single-Redis redlock: it only saves work,
 * since every step of a recovery is guarded or idempotent, so two sweepers, or a sweeper and a
 * client's own recovery, at once are harmless); the holder takes the unsettled payments older than
 * the lease (UnsettledPayments, Redis time), checks each one's last change against Redis time, and
 * recovers it by the rules of PaymentRecovery.recover (recoverAbandoned) on what it read: a move
 * happens only if the record is still the one read, and the entry goes only if it is still the one
 * read, so a client's retry that takes the payment up meanwhile keeps it. A payment stays on the
 * index until its recovery succeeds; a failure (Redis)
 * moves its entry back so that it is tried again SWEEP_RETRY_MS later, and the entries behind it
 * are reached meanwhile.
 */
export class AbandonedPaymentSweeper {
  private readonly log = new Logger('Sweeper');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private failing = false;

  constructor(private readonly d: SweeperDeps) {}

  start(intervalMs = SWEEP_INTERVAL_MS): void {
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.sweepOnce()
        .then(
          () => this.recovered(),
          (error: unknown) => this.failed(error),
        )
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round, if this instance gets the lock. */
  async sweepOnce(): Promise<SweepResult> {
    return this.d.lock.tryExclusively(() => this.sweep(), { swept: false, recovered: 0, failed: 0 });
  }

  private async sweep(): Promise<SweepResult> {
    const result: SweepResult = { swept: true, recovered: 0, failed: 0 };
    const now = await this.d.store.redisTimeMs();
    const candidates = await this.d.unsettled.addedBefore(now - this.d.leaseMs, SWEEP_PAGE);
    for (const entry of candidates) {
      const { paymentId, addedAt } = entry;
      try {
        const payment = await this.d.store.get(paymentId);
        // Its last change, in Redis time (when it was put on the index when there is no record).
        const f = payment?.fields ?? {};
        const last = Math.max(Number(f.createdAt) || 0, Number(f.lastAttemptAt) || 0, Number(f.updatedAt) || 0) || addedAt;
        if (now < last + this.d.leaseMs) continue;
        // On what was just read and found untouched for a lease, never on a later read; only if
        // the record is still that one, and the entry off only if it is still the one read.
        const outcome = await this.d.flow.recoverAbandoned(paymentId, payment);
        await this.d.unsettled.removeIfUnchanged(entry);
        this.log.warn(`payment ${paymentId}: its request died and no client came back; ${outcome}`);
        result.recovered++;
      } catch (error) {
        if (changedMeanwhile(error)) {
          this.log.log(`payment ${paymentId}: changed while the sweeper looked at it; left to whoever changed it`);
          continue;
        }
        result.failed++;
        this.log.warn(`payment ${paymentId}: could not recover it yet (${error instanceof Error ? error.message : String(error)}); again in ${SWEEP_RETRY_MS / 1000} s`);
        await this.postpone(entry, now);
      }
    }
    return result;
  }

  /**
   * Due again (older than the lease) SWEEP_RETRY_MS from now: its score moves to now - lease +
   * SWEEP_RETRY_MS, never back, and only if the entry is still the one read. Best effort: an entry
   * not moved is looked at next round.
   */
  private async postpone(entry: UnsettledEntry, now: number): Promise<void> {
    const dueAgain = Math.max(entry.addedAt, now - this.d.leaseMs + SWEEP_RETRY_MS);
    await this.d.unsettled.postpone(entry, dueAgain).catch(() => undefined);
  }

  private recovered(): void {
    if (this.failing) this.log.log('sweeping works again');
    this.failing = false;
  }

  /** A round that could not even start (Redis away): said once until a round works again. */
  private failed(error: unknown): void {
    if (!this.failing) this.log.warn(`the abandoned-payment sweep failed: ${error instanceof Error ? error.message : String(error)}`);
    this.failing = true;
  }
}
