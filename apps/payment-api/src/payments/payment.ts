/** A payment's state machine (architecture.md section 3). */
export const PaymentStatus = {
  RECEIVED: 'RECEIVED',
  AUTHORIZED: 'AUTHORIZED',
  DECLINED: 'DECLINED',
  PENDING_REVIEW: 'PENDING_REVIEW',
  FAILED: 'FAILED',
} as const;
export type PaymentStatus = (typeof PaymentStatus)[keyof typeof PaymentStatus];

export interface PaymentItem {
  sku: string;
  qty: number;
}

export interface NotifyTargets {
  email?: string;
  sms?: string;
  push?: string;
}

/** A validated `POST /payments` body. */
export interface PaymentRequest {
  amount: number;
  currency: string;
  customerId: string;
  items: PaymentItem[];
  paymentMethod: { type: 'card'; token: string };
  notify: NotifyTargets;
  /**
   * The client that makes the payment (CLIENT_AUTH=api-key), recorded as the payment's owner. Set
   * by the controller from the caller's API key, never read from the body (the validator refuses
   * unknown fields). It is part of the hash a replay is checked against, which changes nothing:
   * a client's Idempotency-Keys are its own.
   */
  owner?: string;
}

export type FraudMode = 'service' | 'rules';

/** The answer of `POST /payments` (stored for replays of the same Idempotency-Key). */
export interface PaymentAnswer {
  id: string;
  status: PaymentStatus;
  provider: string | null;
  fraud: { score: number; mode: FraudMode };
  /** Downstreams this payment fell back on or found degraded fleet-wide. */
  degraded: string[];
  /** The fleet's degradation level when the payment was answered. */
  degradation: 'NORMAL' | 'DEGRADED' | 'CRITICAL';
  declineReason?: string;
}

export interface StatusChange {
  status: PaymentStatus;
  at: number;
  reason: string;
}

export interface AuditEntry {
  id: string;
  paymentId: string;
  type: string;
  status: PaymentStatus;
  at: number;
  reason?: string;
  data: Record<string, string>;
}
