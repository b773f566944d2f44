// A deterministic fraud score in [0, 1]: the same customer, amount and currency always score the
// same, so a test can choose its outcome. Large amounts score higher; customers named `fraud-...`
// score HIGH_RISK_SCORE whatever they spend.

export const HIGH_RISK_CUSTOMER_PREFIX = 'fraud-';
export const HIGH_RISK_SCORE = 0.99;
/** The amount (minor units) that scores half of AMOUNT_WEIGHT: 2,000.00 in a two-decimal currency. */
const HALF_SCORE_AMOUNT = 200_000;
const AMOUNT_WEIGHT = 0.85;
/** The most the customer's identity adds: enough to tell customers apart, never enough to flag one. */
const CUSTOMER_WEIGHT = 0.1;

export function fraudScore(customerId: string, amount: number, currency: string): number {
  if (customerId.startsWith(HIGH_RISK_CUSTOMER_PREFIX)) return HIGH_RISK_SCORE;
  const amountPart = (AMOUNT_WEIGHT * amount) / (amount + HALF_SCORE_AMOUNT);
  const customerPart = (CUSTOMER_WEIGHT * (fnv1a(`${customerId}:${currency}`) % 1000)) / 1000;
  return Math.round(Math.min(1, amountPart + customerPart) * 1000) / 1000;
}

/** 32-bit FNV-1a: a cheap, stable hash (the same on every run and every machine). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
