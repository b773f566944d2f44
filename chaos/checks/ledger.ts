// No key charged twice: the simulator's ledger lists every charge under its idempotency key (the
// gateway's payment id); a key there twice, at one provider or at two, is a double charge.
import type { LedgerCharge } from '../probes/simulator';

export interface LedgerCheck {
  charges: number;
  doubleCharged: string[];
}

export function checkLedger(charges: readonly LedgerCharge[]): LedgerCheck {
  const seen = new Map<string, number>();
  for (const charge of charges) seen.set(charge.idempotencyKey, (seen.get(charge.idempotencyKey) ?? 0) + 1);
  return { charges: charges.length, doubleCharged: [...seen].filter(([, n]) => n > 1).map(([key]) => key) };
}
