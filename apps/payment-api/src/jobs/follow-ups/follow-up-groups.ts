import type { OutboxEntry, OutboxGroup } from '@breakwater/redis-store';
import { inTraceOf } from '@breakwater/telemetry';
import { PaymentStatus } from '../../payments/payment';
import type { PaymentStore } from '../../payments/payment-store';
import { recordedNotification } from '../../payments/recorded-payment';
import { isProvider } from '../../payments/recovery-decision';
import type { JobScheduler } from '../job-scheduler';

/** The consumer groups of the payment outbox, one per kind of follow-up. */
export const FOLLOW_UP_GROUPS = ['audit-export', 'notifications', 'reconcile'] as const;

export interface FollowUpDeps {
  /** Enqueues the follow-up's job; throws when it could not (the entry is then delivered again). */
  jobs: JobScheduler;
  store: Pick<PaymentStore, 'fields'>;
  /** A change whose follow-up cannot be made, and never will be: said, and the entry done with. */
  cannotFollowUp: (entry: OutboxEntry, why: string) => void;
}

/**
 * What each recorded change of a payment (an outbox entry: paymentId, auditId, status, provider,
 * and with tracing on the traceparent of the request that recorded it)
 * hands on, as BullMQ jobs whose ids make a repeat add nothing (job-data.ts):
 * - audit-export: every change's audit entry is exported;
 * - notifications: an AUTHORIZED payment notifies the addresses on its record (nothing else
 *   does: a declined 1-cent probe must not message anyone);
 * - reconcile: a PENDING_REVIEW payment is reconciled with the provider that may have charged it.
 */
export function followUpGroups(d: FollowUpDeps): OutboxGroup[] {
  const named = (name: (typeof FOLLOW_UP_GROUPS)[number], handle: (e: OutboxEntry, paymentId: string) => Promise<void>): OutboxGroup => ({
    name,
    // In the trace of the request that recorded the change (its traceparent, tracing on), so the
    // job enqueued here and its worker's run join it; without one, in no trace at all: the relay
    // may be reading on behalf of whichever request kicked it.
    handle: (entry) =>
      inTraceOf(entry.fields.traceparent, async () => {
        const paymentId = entry.fields.paymentId;
        if (paymentId === undefined || paymentId === '') return d.cannotFollowUp(entry, 'the entry names no payment');
        await handle(entry, paymentId);
      }),
  });
  const exportOne = async (entry: OutboxEntry, paymentId: string): Promise<void> => {
    const auditId = entry.fields.auditId;
    if (auditId === undefined || auditId === '') return d.cannotFollowUp(entry, 'the entry names no audit entry');
    await d.jobs.exportAudit(paymentId, auditId);
  };
  const audit = named('audit-export', exportOne);
  const notifications = named('notifications', async (entry, paymentId) => {
    if (entry.fields.status !== PaymentStatus.AUTHORIZED) return;
    const fields = await d.store.fields(paymentId);
    if (fields === undefined) return d.cannotFollowUp(entry, 'the payment record is gone');
    await d.jobs.notify(recordedNotification(paymentId, PaymentStatus.AUTHORIZED, fields));
  });
  return [
    {
      ...audit,
      // A whole read in one job (one append, one fsync). Entries that carry a trace (tracing on)
      // keep a job each, in their request's trace; the others go together, in none.
      handleBatch: async (entries) => {
        const traced = entries.filter((e) => e.fields.traceparent !== undefined && e.fields.traceparent !== '');
        const batch: { paymentId: string; auditId: string }[] = [];
        for (const entry of entries) {
          if (traced.includes(entry)) continue;
          const { paymentId, auditId } = entry.fields;
          if (paymentId === undefined || paymentId === '') d.cannotFollowUp(entry, 'the entry names no payment');
          else if (auditId === undefined || auditId === '') d.cannotFollowUp(entry, 'the entry names no audit entry');
          else batch.push({ paymentId, auditId });
        }
        // In no trace, as named() does for an untraced entry: the round runs in the context of
        // whichever request kicked the relay, and the batch is not that request's work.
        await Promise.all([inTraceOf(undefined, () => d.jobs.exportAudits(batch)), ...traced.map((entry) => audit.handle(entry))]);
      },
    },
    {
      ...notifications,
      // A whole read in one enqueue per queue; traced entries keep theirs, in their trace.
      handleBatch: async (entries) => {
        const authorized = entries.filter((e) => e.fields.status === PaymentStatus.AUTHORIZED && e.fields.paymentId !== undefined && e.fields.paymentId !== '');
        const traced = authorized.filter((e) => e.fields.traceparent !== undefined && e.fields.traceparent !== '');
        const untraced = authorized.filter((e) => !traced.includes(e));
        const records = await Promise.all(untraced.map((e) => d.store.fields(e.fields.paymentId)));
        const requests = untraced.flatMap((entry, i) => {
          const fields = records[i];
          if (fields !== undefined) return [recordedNotification(entry.fields.paymentId, PaymentStatus.AUTHORIZED, fields)];
          d.cannotFollowUp(entry, 'the payment record is gone');
          return [];
        });
        await Promise.all([inTraceOf(undefined, () => d.jobs.notifyAll(requests)), ...traced.map((entry) => notifications.handle(entry))]);
      },
    },
    named('reconcile', async (entry, paymentId) => {
      if (entry.fields.status !== PaymentStatus.PENDING_REVIEW) return;
      const provider = entry.fields.provider ?? '';
      if (!isProvider(provider)) return d.cannotFollowUp(entry, `PENDING_REVIEW with no known provider (${JSON.stringify(provider)}): it needs an operator`);
      await d.jobs.reconcile(paymentId, provider);
    }),
  ];
}
