// The downstream simulator's fault API (architecture.md section 4, "Downstream simulator").
import { getJson, isRecord, sendJson } from './http-json';

export type SimService = 'provider-a' | 'provider-b' | 'provider-c' | 'inventory' | 'fraud' | 'notify-email' | 'notify-sms' | 'notify-push';

export interface SimFault {
  mode?: 'up' | 'down' | 'hang' | 'flap';
  errorRate?: number;
  latencyMs?: number;
  jitterMs?: number;
  flapPeriodMs?: number;
}

export interface LedgerCharge {
  idempotencyKey: string;
  provider: string;
}

export class Simulator {
  constructor(readonly url: string) {}

  async setFault(service: SimService, fault: SimFault): Promise<void> {
    await sendJson('PUT', `${this.url}/_faults/${service}`, fault);
  }

  async clearFaults(): Promise<void> {
    await sendJson('DELETE', `${this.url}/_faults`);
  }

  /** Every charge of every provider. */
  async ledger(): Promise<LedgerCharge[]> {
    const body = await getJson(`${this.url}/_ledger`, 30_000);
    const charges: LedgerCharge[] = [];
    if (!isRecord(body)) return charges;
    for (const [provider, list] of Object.entries(body)) {
      if (!Array.isArray(list)) continue;
      for (const entry of list as unknown[]) if (isRecord(entry) && typeof entry.idempotencyKey === 'string') charges.push({ idempotencyKey: entry.idempotencyKey, provider });
    }
    return charges;
  }

  /** The payment id of every notification `channel` delivered (one entry per delivery). */
  async deliveredPayments(channel: 'notify-email' | 'notify-sms' | 'notify-push'): Promise<string[]> {
    const body = await getJson(`${this.url}/_deliveries`, 30_000);
    const list = isRecord(body) && Array.isArray(body[channel]) ? (body[channel] as unknown[]) : [];
    return list.flatMap((d) => (isRecord(d) && isRecord(d.message) && typeof d.message.paymentId === 'string' ? [d.message.paymentId] : []));
  }

  /** Requests each service received. */
  async requests(): Promise<Record<string, number>> {
    const body = await getJson(`${this.url}/_stats`);
    const counts: Record<string, number> = {};
    if (isRecord(body)) for (const [service, stats] of Object.entries(body)) if (isRecord(stats) && typeof stats.requests === 'number') counts[service] = stats.requests;
    return counts;
  }
}
