// The notifications each channel delivered, keyed by idempotency key: what `GET /_deliveries`
// shows so tests can prove a notification was delivered exactly once.
import { NOTIFY_NAMES, recordOf, type NotifyName } from '../../service-names';

export interface Delivery {
  idempotencyKey: string;
  /** ISO time of the delivery. */
  at: string;
  /** The body as received: recipient, template, whatever the gateway sent. */
  message: unknown;
}

export class DeliveryLog {
  private deliveries = DeliveryLog.empty();

  constructor(private readonly now: () => number) {}

  /** Delivers unless the key was already delivered on this channel; true when it delivered now. */
  deliverOnce(channel: NotifyName, idempotencyKey: string, message: unknown): boolean {
    const delivered = this.deliveries[channel];
    if (delivered.has(idempotencyKey)) return false;
    delivered.set(idempotencyKey, { idempotencyKey, at: new Date(this.now()).toISOString(), message });
    return true;
  }

  snapshot(): Record<NotifyName, Delivery[]> {
    return recordOf(NOTIFY_NAMES, (channel) => [...this.deliveries[channel].values()]);
  }

  reset(): void {
    this.deliveries = DeliveryLog.empty();
  }

  private static empty(): Record<NotifyName, Map<string, Delivery>> {
    return recordOf(NOTIFY_NAMES, () => new Map<string, Delivery>());
  }
}
