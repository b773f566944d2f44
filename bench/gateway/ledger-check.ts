// Phase 4 of bench/gateway.bench.ts: no payment charged twice. The simulator's ledger lists every
// charge each provider made under its idempotency key, which is the gateway's payment id; an id
// that appears twice (at one provider or across providers) is a double charge.
import { ledger } from './fleet-api';
import type { Sample } from './open-loop';

export interface LedgerCheck {
  charges: number;
  byProvider: Map<string, number>;
  distinctIds: number;
  /** Payment ids charged more than once. */
  doubleCharged: string[];
  /** 2xx answers with status AUTHORIZED whose id no provider charged. */
  authorizedNotCharged: number;
  /** Charges whose payment id no 2xx answer of this run named (e.g. a client timeout). */
  chargedWithoutAnswer: number;
}

export async function checkLedger(sim: string, samples: readonly Sample[]): Promise<LedgerCheck> {
  const entries = await ledger(sim);
  const count = new Map<string, number>();
  const byProvider = new Map<string, number>();
  for (const [provider, charges] of Object.entries(entries)) {
    byProvider.set(provider, charges.length);
    for (const c of charges) count.set(c.idempotencyKey, (count.get(c.idempotencyKey) ?? 0) + 1);
  }
  const answered = new Set<string>();
  let authorizedNotCharged = 0;
  for (const s of samples) {
    if (s.id === undefined) continue;
    answered.add(s.id);
    if (s.paymentStatus === 'AUTHORIZED' && !count.has(s.id)) authorizedNotCharged++;
  }
  return {
    charges: [...byProvider.values()].reduce((a, b) => a + b, 0),
    byProvider,
    distinctIds: count.size,
    doubleCharged: [...count].filter(([, n]) => n > 1).map(([id]) => id),
    authorizedNotCharged,
    chargedWithoutAnswer: [...count.keys()].filter((id) => !answered.has(id)).length,
  };
}
