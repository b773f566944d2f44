// The bare gateway's reading of a POST /payments body: the fields its work needs, checked just
// enough that a malformed body is a 400 rather than a crash (no text rules, no limits).
export interface BarePayment {
  amount: number;
  currency: string;
  customerId: string;
  items: { sku: string; qty: number }[];
  token: string;
  email?: string;
}

export function parsePayment(raw: string): BarePayment | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const method = b.paymentMethod as Record<string, unknown> | undefined;
  const notify = b.notify as Record<string, unknown> | undefined;
  if (typeof b.amount !== 'number' || !Number.isSafeInteger(b.amount) || b.amount <= 0) return undefined;
  if (typeof b.currency !== 'string' || typeof b.customerId !== 'string' || !Array.isArray(b.items)) return undefined;
  if (typeof method?.token !== 'string') return undefined;
  const items = (b.items as unknown[]).filter((i): i is { sku: string; qty: number } => typeof (i as { sku?: unknown })?.sku === 'string');
  return { amount: b.amount, currency: b.currency, customerId: b.customerId, items, token: method.token, email: typeof notify?.email === 'string' ? notify.email : undefined };
}
