// The body of payment `seq`. Customers and notification addresses are spread wide: the fraud
// velocity rule (over 10 payments per customer a minute) and the per-destination notification limit
// (10 an hour) would otherwise decline or silence a steady load, which is not the fault under test.

const CUSTOMERS = 100_000;

export interface PaymentBody {
  amount: number;
  currency: string;
  customerId: string;
  items: { sku: string; qty: number }[];
  paymentMethod: { type: string; token: string };
  notify: { email: string };
}

export function paymentBody(seq: number): PaymentBody {
  return {
    amount: 1299,
    currency: 'EUR',
    customerId: `c-${seq % CUSTOMERS}`,
    items: [{ sku: 'sku-1', qty: 1 }],
    paymentMethod: { type: 'card', token: 'tok_visa' },
    notify: { email: `chaos-${seq}@example.com` },
  };
}
