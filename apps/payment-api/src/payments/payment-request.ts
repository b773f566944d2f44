import type { PaymentRequest } from './payment';

export interface FieldError {
  field: string;
  message: string;
}

export type Validation = { ok: true; value: PaymentRequest } | { ok: false; errors: FieldError[] };

// ISO 4217 shape; the list of real codes is the provider's business.
const CURRENCY = /^[A-Z]{3}$/;
const MAX_AMOUNT = 100_000_000; // minor units
const MAX_ITEMS = 100;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmptyString = (v: unknown, max = 200): v is string => typeof v === 'string' && v.trim().length > 0 && v.length <= max;

/**
 * Checks a `POST /payments` body and reports every problem with the field it concerns, so a
 * client can fix its request in one go. Unknown fields are refused: a typo must not pass silently.
 */
export function validatePaymentRequest(body: unknown): Validation {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string): void => void errors.push({ field, message });
  if (!isObject(body)) return { ok: false, errors: [{ field: '(body)', message: 'must be a JSON object' }] };

  const known = new Set(['amount', 'currency', 'customerId', 'items', 'paymentMethod', 'notify']);
  for (const key of Object.keys(body)) if (!known.has(key)) fail(key, 'is not a known field');

  const { amount, currency, customerId, items, paymentMethod, notify } = body;
  if (!(typeof amount === 'number' && Number.isInteger(amount) && amount > 0 && amount <= MAX_AMOUNT)) fail('amount', `must be a positive whole number of minor units, at most ${MAX_AMOUNT}`);
  if (!(typeof currency === 'string' && CURRENCY.test(currency))) fail('currency', 'must be an ISO 4217 code such as EUR');
  if (!nonEmptyString(customerId)) fail('customerId', 'must be a non-empty string of at most 200 characters');

  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_ITEMS) fail('items', `must be a list of 1 to ${MAX_ITEMS} items`);
  else
    items.forEach((item: unknown, i) => {
      if (!isObject(item)) return fail(`items[${i}]`, 'must be an object with sku and qty');
      if (!nonEmptyString(item.sku, 100) || /[{}]/.test(item.sku)) fail(`items[${i}].sku`, 'must be a non-empty string without braces');
      if (!(typeof item.qty === 'number' && Number.isInteger(item.qty) && item.qty > 0 && item.qty <= 1000)) fail(`items[${i}].qty`, 'must be a whole number from 1 to 1000');
    });

  if (!isObject(paymentMethod)) fail('paymentMethod', 'must be an object with type and token');
  else {
    if (paymentMethod.type !== 'card') fail('paymentMethod.type', 'must be "card"');
    if (!nonEmptyString(paymentMethod.token)) fail('paymentMethod.token', 'must be a non-empty string');
  }

  if (notify !== undefined) {
    if (!isObject(notify)) fail('notify', 'must be an object with email, sms and/or push');
    else
      for (const [channel, target] of Object.entries(notify)) {
        if (!['email', 'sms', 'push'].includes(channel)) fail(`notify.${channel}`, 'is not a notification channel (email, sms, push)');
        else if (!nonEmptyString(target)) fail(`notify.${channel}`, 'must be a non-empty string');
        else if (channel === 'email' && !/^[^@\s]+@[^@\s]+$/.test(target)) fail('notify.email', 'must be an email address');
      }
  }

  if (errors.length > 0) return { ok: false, errors };
  const b = body as unknown as PaymentRequest;
  return {
    ok: true,
    value: {
      amount: b.amount,
      currency: b.currency,
      customerId: b.customerId,
      items: b.items.map((i) => ({ sku: i.sku, qty: i.qty })),
      paymentMethod: { type: 'card', token: b.paymentMethod.token },
      notify: { ...(b.notify ?? {}) },
    },
  };
}
