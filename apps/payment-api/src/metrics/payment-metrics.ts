import { collectProcessMetrics } from '@breakwater/telemetry';
import { Counter, Histogram, Registry } from 'prom-client';
import type { PaymentStatus } from '../payments/payment';

/** The instance's Prometheus registry and the payment metrics; others register on `registry`. */
export class PaymentMetrics {
  readonly registry = new Registry();
  private readonly payments: Counter<'status'>;
  private readonly latency: Histogram<'status'>;

  constructor(instanceId: string) {
    this.registry.setDefaultLabels({ instance_id: instanceId });
    collectProcessMetrics(this.registry);
    this.payments = new Counter({ name: 'breakwater_payments_total', help: 'Payments finished, by final status of the request', labelNames: ['status'], registers: [this.registry] });
    this.latency = new Histogram({
      name: 'breakwater_payment_duration_seconds',
      help: 'Time to answer POST /payments for a new payment',
      labelNames: ['status'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
      registers: [this.registry],
    });
  }

  paymentFinished(status: PaymentStatus, durationMs: number): void {
    this.payments.inc({ status });
    this.latency.observe({ status }, durationMs / 1000);
  }
}
