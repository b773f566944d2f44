import { PaymentStatus } from './payment';

/**
 * The payment state machine (architecture.md section 3): for each status, the statuses a payment
 * may move to. transition-payment-4.lua enforces it atomically in Redis; this table is what the
 * code and the docs read, and test/payment-transitions.test.ts runs the script for every pair of
 * statuses to prove the two agree.
 */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  [PaymentStatus.RECEIVED]: [PaymentStatus.AUTHORIZED, PaymentStatus.DECLINED, PaymentStatus.PENDING_REVIEW, PaymentStatus.FAILED],
  // Reconciliation settles what an ambiguous provider answer left open.
  [PaymentStatus.PENDING_REVIEW]: [PaymentStatus.AUTHORIZED, PaymentStatus.DECLINED, PaymentStatus.FAILED],
  [PaymentStatus.AUTHORIZED]: [],
  [PaymentStatus.DECLINED]: [],
  [PaymentStatus.FAILED]: [],
};

export function mayTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return PAYMENT_TRANSITIONS[from].includes(to);
}

/** A payment in one of these never changes again. */
export function isFinalStatus(status: PaymentStatus): boolean {
  return PAYMENT_TRANSITIONS[status].length === 0;
}
