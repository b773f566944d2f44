import { randomUUID } from 'node:crypto';
import { withDeadline } from '@breakwater/resilience';
import type { DegradationReport } from '../degradation/degradation';
import type { FraudCheck } from '../fraud/fraud-check';
import { FRAUD_DECLINE_SCORE } from '../fraud/fraud-check';
import type { InventoryCheck } from '../inventory/inventory-check';
import type { JobScheduler } from '../jobs/job-scheduler';
import type { PaymentMetrics } from '../metrics/payment-metrics';
import type { ChargeOutcome, ProviderCharge } from '../providers/provider-charge';
import type { IdempotencyKeys, StoredAnswer } from './idempotency-keys';
import { PaymentStatus, type FraudMode, type PaymentAnswer, type PaymentRequest } from './payment';
import { bodyHash } from './payment-keys';
import type { PaymentStore } from './payment-store';

/** What the controller sends back. */
export interface FlowResult {
  status: number;
  body: unknown;
  retryAfterS?: number;
}

/** How often a request waits for a concurrent request with the same key to finish. */
const PENDING_POLL_MS = 50;

export interface PaymentFlowDeps {
  store: PaymentStore;
  keys: IdempotencyKeys;
  fraud: FraudCheck;
  inventory: InventoryCheck;
  providers: ProviderCharge;
  jobs: JobScheduler;
  metrics: PaymentMetrics;
  deadlineMs: number;
  /** The fleet's degradation now (degradation.ts); answers carry it. */
  degradation: () => DegradationReport;
}

const retryAfter = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * POST /payments, step by step (DESIGN.md section 3): the idempotency key, the fraud score, the
 * stock, the charge, then the record, notifications and audit export. Each status change is
 * recorded with its history and audit entry in one script before the next step.
 */
export class PaymentFlow {
  constructor(private readonly d: PaymentFlowDeps) {}

  async submit(clientKey: string, request: PaymentRequest): Promise<FlowResult> {
    const hash = bodyHash(request);
    const deadline = withDeadline('POST /payments', this.d.deadlineMs);
    try {
      for (;;) {
        const claim = await this.d.keys.claim(clientKey, hash, randomUUID());
        if (claim.kind === 'conflict') return { status: 409, body: { error: 'IDEMPOTENCY_KEY_REUSED', message: 'this Idempotency-Key was used with another request body' } };
        if (claim.kind === 'done') return replay(claim.answer);
        if (claim.kind === 'new') return await this.process(clientKey, claim.paymentId, request, deadline.signal);
        // Another request with this key is running: wait for its answer, within our budget.
        if (deadline.signal.aborted) {
          return { status: 409, body: { error: 'IDEMPOTENCY_KEY_IN_USE', message: 'a request with this Idempotency-Key is still being processed', paymentId: claim.paymentId }, retryAfterS: 1 };
        }
        await new Promise((resolve) => setTimeout(resolve, PENDING_POLL_MS));
      }
    } finally {
      deadline.dispose();
    }
  }

  private async process(clientKey: string, id: string, r: PaymentRequest, signal: AbortSignal): Promise<FlowResult> {
    const startedAt = performance.now();
    await this.record(id, () => this.d.store.create(id, { id, amount: String(r.amount), currency: r.currency, customerId: r.customerId, items: JSON.stringify(r.items), notify: JSON.stringify(r.notify) }));

    const degraded: string[] = [];
    const fraud = await this.d.fraud.score(r.customerId, r.amount, r.currency, signal);
    if (fraud.mode === 'rules') degraded.push('fraud');
    const fraudFields = { fraudScore: String(fraud.score), fraudMode: fraud.mode };
    if (fraud.score >= FRAUD_DECLINE_SCORE) return this.finish(clientKey, id, r, PaymentStatus.DECLINED, null, fraud, degraded, fraudFields, 'fraud score too high', startedAt);

    const stock = await this.d.inventory.check(r.items, signal);
    if ((stock.kind === 'available' || stock.kind === 'out-of-stock') && stock.degraded) degraded.push('inventory');
    if (stock.kind === 'unchecked') degraded.push('inventory');
    if (stock.kind === 'out-of-stock') return this.finish(clientKey, id, r, PaymentStatus.DECLINED, null, fraud, degraded, fraudFields, `out of stock: ${stock.sku}`, startedAt);
    if (stock.kind === 'unavailable') return this.unavailable(clientKey, id, fraudFields, 'inventory unavailable and INVENTORY_FALLBACK=refuse', DEFAULT_UNAVAILABLE_RETRY_MS, startedAt);

    const charge = await this.d.providers.charge({ paymentId: id, amount: r.amount, currency: r.currency, token: r.paymentMethod.token }, signal);
    degraded.push(...charge.skipped);
    return this.afterCharge(clientKey, id, r, charge, fraud, degraded, fraudFields, startedAt);
  }

  private async afterCharge(
    clientKey: string,
    id: string,
    r: PaymentRequest,
    charge: ChargeOutcome,
    fraud: { score: number; mode: FraudMode },
    degraded: string[],
    fields: Record<string, string>,
    startedAt: number,
  ): Promise<FlowResult> {
    switch (charge.kind) {
      case 'charged':
        return this.finish(clientKey, id, r, PaymentStatus.AUTHORIZED, charge.provider, fraud, degraded, { ...fields, provider: charge.provider, chargeId: charge.chargeId }, `charged by ${charge.provider}`, startedAt);
      case 'declined':
        return this.finish(clientKey, id, r, PaymentStatus.DECLINED, charge.provider, fraud, degraded, { ...fields, provider: charge.provider }, `declined by ${charge.provider}`, startedAt);
      case 'ambiguous': {
        const result = await this.finish(clientKey, id, r, PaymentStatus.PENDING_REVIEW, charge.provider, fraud, degraded, { ...fields, provider: charge.provider }, `outcome unknown at ${charge.provider}: ${String((charge.error as Error)?.message ?? charge.error)}`, startedAt);
        await this.d.jobs.reconcile(id, charge.provider);
        return result;
      }
      case 'unavailable':
        return this.unavailable(clientKey, id, fields, `no provider could take the payment (${charge.skipped.join(', ')})`, charge.retryAfterMs, startedAt);
    }
  }

  private async finish(
    clientKey: string,
    id: string,
    r: PaymentRequest,
    status: PaymentStatus,
    provider: string | null,
    fraud: { score: number; mode: FraudMode },
    degraded: string[],
    fields: Record<string, string>,
    reason: string,
    startedAt: number,
  ): Promise<FlowResult> {
    await this.record(id, () => this.d.store.transition(id, status, fields, reason));
    // What this payment fell back on, and what the fleet reports degraded right now.
    const fleet = this.d.degradation();
    const body: PaymentAnswer = { id, status, provider, fraud, degraded: [...new Set([...degraded, ...fleet.degraded])].sort(), degradation: fleet.level };
    if (status === PaymentStatus.DECLINED) body.declineReason = reason;
    await this.d.keys.complete(clientKey, id, { status: 201, body });
    if (status === PaymentStatus.AUTHORIZED || status === PaymentStatus.DECLINED) {
      await this.d.jobs.notify({ paymentId: id, status, amount: r.amount, currency: r.currency, notify: r.notify });
    }
    this.d.metrics.paymentFinished(status, performance.now() - startedAt);
    return { status: 201, body };
  }

  /** Nothing was charged and the client may try again: FAILED, the key given back, 503. */
  private async unavailable(clientKey: string, id: string, fields: Record<string, string>, reason: string, retryAfterMs: number, startedAt: number): Promise<FlowResult> {
    await this.record(id, () => this.d.store.transition(id, PaymentStatus.FAILED, fields, reason));
    await this.d.keys.release(clientKey, id);
    this.d.metrics.paymentFinished(PaymentStatus.FAILED, performance.now() - startedAt);
    return { status: 503, body: { error: 'NO_PROVIDER_AVAILABLE', message: reason, id }, retryAfterS: retryAfter(retryAfterMs) };
  }

  private async record(id: string, change: () => Promise<{ auditId: string }>): Promise<void> {
    const { auditId } = await change();
    await this.d.jobs.exportAudit(id, auditId);
  }
}

export const DEFAULT_UNAVAILABLE_RETRY_MS = 2_000;

function replay(answer: StoredAnswer): FlowResult {
  return { status: answer.status === 201 ? 200 : answer.status, body: answer.body };
}
