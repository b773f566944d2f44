import { Logger } from '@nestjs/common';
import type { QueueLock } from '../jobs/queue-lock';
import type { PaymentFlow } from './payment-flow';
import type { PaymentStore } from './payment-store';
import type { UnsettledPayments } from './unsettled-payments';

/** How often each instance tries to sweep (one of them does, holding the lock). */
export const SWEEP_INTERVAL_MS = 5_000;
/** Payments one round looks at, at most. */
export const SWEEP_PAGE = 100;

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

/**
 * Recovers payments whose request died and whose client never comes back (issue 10, item 21):
 * without it a payment left RECEIVED with a charge that went through, or PENDING_REVIEW without
 * its reconcile job, stays so until a request with its key comes back. Every SWEEP_INTERVAL_MS
 * each instance tries the sweep lock (SET NX PX, a single-Redis redlock: it only saves work,
 * since every step of a recovery is guarded or idempotent, so two sweepers, or a sweeper and a
 * client's own recovery, at once are harmless); the holder takes the unsettled payments older than
 * the lease (UnsettledPayments), checks each one's last change against Redis time, and recovers
 * it by the rules of PaymentFlow.recover (recoverAbandoned). A payment stays on the index until
 * its recovery succeeds, so a failure (Redis, a reconcile job that cannot be queued) is tried
 * again next round.
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
    const candidates = await this.d.unsettled.addedBefore(Date.now() - this.d.leaseMs, SWEEP_PAGE);
    if (candidates.length === 0) return result;
    const now = await this.d.store.redisTimeMs();
    for (const { paymentId, addedAt } of candidates) {
      try {
        const payment = await this.d.store.get(paymentId);
        // Its last change, in Redis time (the index's own clock when there is no record).
        const f = payment?.fields ?? {};
        const last = Math.max(Number(f.createdAt) || 0, Number(f.lastAttemptAt) || 0, Number(f.updatedAt) || 0) || addedAt;
        if (now < last + this.d.leaseMs) continue;
        const outcome = await this.d.flow.recoverAbandoned(paymentId);
        await this.d.unsettled.remove(paymentId);
        this.log.warn(`payment ${paymentId}: its request died and no client came back; ${outcome}`);
        result.recovered++;
      } catch (error) {
        result.failed++;
        this.log.warn(`payment ${paymentId}: could not recover it yet (${error instanceof Error ? error.message : String(error)}); next round`);
      }
    }
    return result;
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
