import type { FraudVerdict } from '../fraud/fraud-check';
import type { NotificationRequest } from '../jobs/job-scheduler';
import type { NotifyTargets, PaymentStatus } from './payment';

// What a recovery rebuilds from a payment's record when the request that made it is gone: the
// record's fields are strings, and a record written by an older version may lack some of them.

/** The fraud result a record holds (set with the first provider attempt or the final status). */
export function fraudOf(f: Record<string, string>): FraudVerdict {
  const score = Number(f.fraudScore);
  return { score: Number.isFinite(score) ? score : 0, mode: f.fraudMode === 'service' ? 'service' : 'rules' };
}

/** The `degraded` list a record holds, or none. */
export function recordedDegraded(f: Record<string, string>): string[] {
  if (f.degraded === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(f.degraded);
    return Array.isArray(parsed) ? parsed.filter((d): d is string => typeof d === 'string') : [];
  } catch {
    return [];
  }
}

/** The notifications of a settled payment, from its record (amount, currency, targets). */
export function recordedNotification(paymentId: string, status: PaymentStatus, f: Record<string, string>): NotificationRequest {
  let notify: NotifyTargets = {};
  try {
    const parsed: unknown = JSON.parse(f.notify ?? '{}');
    if (typeof parsed === 'object' && parsed !== null) {
      for (const channel of ['email', 'sms', 'push'] as const) {
        const target = (parsed as Record<string, unknown>)[channel];
        if (typeof target === 'string' && target !== '') notify = { ...notify, [channel]: target };
      }
    }
  } catch {
    notify = {};
  }
  return { paymentId, status, amount: Number(f.amount), currency: f.currency ?? '', notify };
}
