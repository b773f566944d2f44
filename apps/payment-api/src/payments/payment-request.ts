import { TEXT_RULES, textProblem, type TextRule } from '../input/text-rules';
import type { PaymentRequest } from './payment';

export interface FieldError {
  field: string;
  message: string;
}

export type Validation = { ok: true; value: PaymentRequest } | { ok: false; errors: FieldError[] };

const MAX_AMOUNT = 100_000_000; // minor units
const MAX_ITEMS = 100;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A client's field name as the answer names it: itself when it is short printable text, else `(unknown field)`. */
const echoedName = (key: string): string => (textProblem(key, { ...TEXT_RULES.customerId, max: 64 }) === undefined ? key : '(unknown field)');

/**
 * Checks a `POST /payments` body and reports every problem with the field it concerns, so a
 * client can fix its request in one go. Unknown fields are refused, in an item and in paymentMethod
 * too: a typo must not pass silently. A field name is echoed only when it is short printable text.
 * Every string is checked for well-formed Unicode, length and character class (input/text-rules.ts):
 * a lone surrogate that got past here would be refused by Redis's cjson and by encodeURIComponent.
 */
export function validatePaymentRequest(body: unknown): Validation {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string): void => void errors.push({ field, message });
  const text = (field: string, value: unknown, rule: TextRule): void => {
    const problem = textProblem(value, rule);
    if (problem !== undefined) fail(field, problem);
  };
  if (!isObject(body)) return { ok: false, errors: [{ field: '(body)', message: 'must be a JSON object' }] };

  // Unknown fields are refused at every level (an item, paymentMethod, notify), not only at the top.
  const refuseUnknown = (prefix: string, object: Record<string, unknown>, known: readonly string[]): void => {
    for (const key of Object.keys(object)) if (!known.includes(key)) fail(`${prefix}${echoedName(key)}`, 'is not a known field');
  };
  refuseUnknown('', body, ['amount', 'currency', 'customerId', 'items', 'paymentMethod', 'notify']);

  const { amount, currency, customerId, items, paymentMethod, notify } = body;
  if (!(typeof amount === 'number' && Number.isInteger(amount) && amount > 0 && amount <= MAX_AMOUNT)) fail('amount', `must be a positive whole number of minor units, at most ${MAX_AMOUNT}`);
  // ISO 4217 shape; the list of real codes is the provider's business.
  text('currency', currency, TEXT_RULES.currency);
  text('customerId', customerId, TEXT_RULES.customerId);

  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_ITEMS) fail('items', `must be a list of 1 to ${MAX_ITEMS} items`);
  else
    items.forEach((item: unknown, i) => {
      if (!isObject(item)) return fail(`items[${i}]`, 'must be an object with sku and qty');
      refuseUnknown(`items[${i}].`, item, ['sku', 'qty']);
      text(`items[${i}].sku`, item.sku, TEXT_RULES.sku);
      if (!(typeof item.qty === 'number' && Number.isInteger(item.qty) && item.qty > 0 && item.qty <= 1000)) fail(`items[${i}].qty`, 'must be a whole number from 1 to 1000');
    });

  if (!isObject(paymentMethod)) fail('paymentMethod', 'must be an object with type and token');
  else {
    refuseUnknown('paymentMethod.', paymentMethod, ['type', 'token']);
    if (paymentMethod.type !== 'card') fail('paymentMethod.type', 'must be "card"');
    text('paymentMethod.token', paymentMethod.token, TEXT_RULES.cardToken);
  }

  if (notify !== undefined) {
    if (!isObject(notify)) fail('notify', 'must be an object with email, sms and/or push');
    else
      for (const [channel, target] of Object.entries(notify)) {
        if (channel !== 'email' && channel !== 'sms' && channel !== 'push') fail(`notify.${echoedName(channel)}`, 'is not a notification channel (email, sms, push)');
        else text(`notify.${channel}`, target, TEXT_RULES[channel]);
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
