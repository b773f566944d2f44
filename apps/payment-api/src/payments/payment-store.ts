import { join } from 'node:path';
import type Redis from 'ioredis';
import { defineScript, type ScriptCall } from '@breakwater/redis-store';
import type { AuditEntry, PaymentStatus, StatusChange } from './payment';
import { paymentKeys } from './payment-keys';

const LUA = join(__dirname, 'lua');

export class PaymentTransitionError extends Error {
  readonly code = 'PAYMENT_TRANSITION_REFUSED';

  constructor(
    readonly paymentId: string,
    readonly from: string | undefined,
    readonly to: PaymentStatus,
  ) {
    super(from === undefined ? `payment ${paymentId} does not exist` : `payment ${paymentId} cannot move from ${from} to ${to}`);
    this.name = 'PaymentTransitionError';
  }
}

/** A recorded change: the audit entry it wrote, for the audit export. */
export interface RecordedChange {
  auditId: string;
  from: string;
}

export interface StoredPayment {
  fields: Record<string, string>;
  history: StatusChange[];
}

/**
 * Payments in Redis. Every change of a payment's status writes the record, its history and its
 * audit entry in one script (create-payment-3.lua, transition-payment-3.lua).
 */
export class PaymentStore {
  private readonly createScript: ScriptCall;
  private readonly transitionScript: ScriptCall;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.createScript = defineScript(redis, { file: 'create-payment-3.lua', dir: LUA });
    this.transitionScript = defineScript(redis, { file: 'transition-payment-3.lua', dir: LUA });
  }

  async create(id: string, fields: Record<string, string>): Promise<RecordedChange> {
    const reply = await this.createScript(paymentKeys(this.prefix, id), [JSON.stringify(fields), 'payment.received']);
    if (reply === -1) throw new PaymentTransitionError(id, 'RECEIVED', 'RECEIVED');
    return { auditId: String(reply), from: '' };
  }

  async transition(id: string, to: PaymentStatus, fields: Record<string, string>, reason: string): Promise<RecordedChange> {
    const reply = await this.transitionScript(paymentKeys(this.prefix, id), [to, JSON.stringify(fields), reason, `payment.${to.toLowerCase()}`]);
    if (!Array.isArray(reply)) throw new Error(`unexpected reply to transition-payment: ${JSON.stringify(reply)}`);
    if (reply[0] === -2) throw new PaymentTransitionError(id, undefined, to);
    if (reply[0] === -1) throw new PaymentTransitionError(id, String(reply[1]), to);
    return { auditId: String(reply[0]), from: String(reply[1]) };
  }

  async get(id: string): Promise<StoredPayment | undefined> {
    const [paymentKey, historyKey] = paymentKeys(this.prefix, id);
    const [fields, history] = await Promise.all([this.redis.hgetall(paymentKey), this.redis.lrange(historyKey, 0, -1)]);
    if (Object.keys(fields).length === 0) return undefined;
    return { fields, history: history.map((h) => JSON.parse(h) as StatusChange) };
  }

  async audit(id: string): Promise<AuditEntry[]> {
    const [, , auditKey] = paymentKeys(this.prefix, id);
    const entries = await this.redis.xrange(auditKey, '-', '+');
    return entries.map(([entryId, flat]) => toAuditEntry(id, entryId, flat));
  }

  async auditEntry(id: string, entryId: string): Promise<AuditEntry | undefined> {
    const [, , auditKey] = paymentKeys(this.prefix, id);
    const [entry] = await this.redis.xrange(auditKey, entryId, entryId);
    return entry === undefined ? undefined : toAuditEntry(id, entry[0], entry[1]);
  }
}

function toAuditEntry(paymentId: string, id: string, flat: string[]): AuditEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) f[flat[i]] = flat[i + 1];
  return {
    id,
    paymentId,
    type: f.type,
    status: f.status as PaymentStatus,
    at: Number(f.at),
    reason: f.reason,
    data: f.data === undefined ? {} : (JSON.parse(f.data) as Record<string, string>),
  };
}
