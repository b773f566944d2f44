// Every answer each provider gave to a charge, keyed by idempotency key: what `GET /_ledger` shows
// so tests can prove no payment was charged twice. Declines are kept too (with status DECLINED):
// a decline is an answer the provider must repeat for the same key, though it moves no money.
import { randomUUID } from 'node:crypto';
import { PROVIDER_NAMES, recordOf, type ProviderName } from '../../service-names';

export type ChargeStatus = 'CHARGED' | 'DECLINED';

export interface LedgerEntry {
  idempotencyKey: string;
  chargeId: string;
  amount: number;
  currency: string;
  status: ChargeStatus;
  /** ISO time of the charge. */
  at: string;
}

export interface ChargeTerms {
  amount: number;
  currency: string;
  status: ChargeStatus;
}

export class ProviderLedger {
  private entries = ProviderLedger.empty();

  constructor(private readonly now: () => number) {}

  find(provider: ProviderName, idempotencyKey: string): LedgerEntry | undefined {
    return this.entries[provider].get(idempotencyKey);
  }

  /** Records a charge unless the key already has one, and returns the key's entry either way. */
  chargeOnce(provider: ProviderName, idempotencyKey: string, terms: ChargeTerms): LedgerEntry {
    const existing = this.find(provider, idempotencyKey);
    if (existing !== undefined) return existing;
    const entry: LedgerEntry = { idempotencyKey, chargeId: `ch_${randomUUID()}`, ...terms, at: new Date(this.now()).toISOString() };
    this.entries[provider].set(idempotencyKey, entry);
    return entry;
  }

  /** Each provider's entries in the order they were made. */
  snapshot(): Record<ProviderName, LedgerEntry[]> {
    return recordOf(PROVIDER_NAMES, (provider) => [...this.entries[provider].values()]);
  }

  reset(): void {
    this.entries = ProviderLedger.empty();
  }

  private static empty(): Record<ProviderName, Map<string, LedgerEntry>> {
    return recordOf(PROVIDER_NAMES, () => new Map<string, LedgerEntry>());
  }
}
