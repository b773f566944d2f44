import { join } from 'node:path';
import type { RedisConnection } from '@breakwater/redis-store';
import { EventEmitter } from '@breakwater/resilience';
import { defineScript, ReplicaWait, REPLICA_WAIT_OFF, type ReplicaWaitSettings, type ScriptCall } from '@breakwater/redis-store';
import { activeTraceparent } from '@breakwater/telemetry';
import { InvalidRequestDataError } from '../input/invalid-request-data.error';
import { isWellFormed } from '../input/text-rules';
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

/**
 * A guarded change (`ifAttempts`) found other provider attempts than expected: a charge was
 * started meanwhile, so the caller must look at the payment again.
 */
export class PaymentAttemptsChangedError extends Error {
  readonly code = 'PAYMENT_ATTEMPTS_CHANGED';

  constructor(
    readonly paymentId: string,
    readonly attempts: string[],
  ) {
    super(`payment ${paymentId} has other provider attempts than expected (${attempts.join(', ') || 'none'})`);
    this.name = 'PaymentAttemptsChangedError';
  }
}

/**
 * A guarded change (`ifUnchanged`) found the record changed since the caller read it (its
 * createdAt, lastAttemptAt or updatedAt differ): someone is working on the payment.
 */
export class PaymentChangedError extends Error {
  readonly code = 'PAYMENT_CHANGED';

  constructor(
    readonly paymentId: string,
    readonly stamps: string,
  ) {
    super(`payment ${paymentId} changed since it was read (now ${stamps || 'none'})`);
    this.name = 'PaymentChangedError';
  }
}

/** The change stamps of a record (Redis time): `createdAt,lastAttemptAt,updatedAt`, as transition-payment-4.lua compares them. */
export function changeStampsOf(fields: Record<string, string>): string {
  return [fields.createdAt ?? '', fields.lastAttemptAt ?? '', fields.updatedAt ?? ''].join(',');
}

/** A provider attempt was refused: the payment is no longer RECEIVED (or does not exist); nothing may be sent. */
export class AttemptRefusedError extends Error {
  readonly code = 'ATTEMPT_REFUSED';

  constructor(
    readonly paymentId: string,
    readonly provider: string,
    readonly status: string | undefined,
  ) {
    super(status === undefined ? `payment ${paymentId} does not exist: ${provider} is not asked to charge it` : `payment ${paymentId} is ${status}: ${provider} is not asked to charge it`);
    this.name = 'AttemptRefusedError';
  }
}

/** Whether the record tracks provider attempts (written by a release that records them). */
export function attemptsTracked(fields: Record<string, string>): boolean {
  return fields.attempts !== undefined;
}

/** The providers a payment record says were asked to charge it, in order (record-attempt-1.lua). */
export function attemptsOf(fields: Record<string, string>): string[] {
  const raw = fields.attempts;
  return raw === undefined || raw === '' ? [] : raw.split(',');
}

/** A recorded change: the audit entry it wrote (its outbox entry names it too). */
export interface RecordedChange {
  auditId: string;
  from: string;
}

/** Conditions of a transition (transition-payment-4.lua, ARGV[7] and ARGV[8]; ARGV[9] is the traceparent). */
export interface TransitionGuard {
  /**
   * Not a condition: the payment's shard of the unsettled index (UnsettledPayments.shardKeyOf),
   * which it leaves in the same script once the change is written (transition-payment-5.lua):
   * its request hands it off with its final status, a round trip less.
   */
  handOffFrom?: string;
  /** Only if the payment's provider attempts are exactly these. */
  ifAttempts?: readonly string[];
  /** Only if the record's change stamps (createdAt, lastAttemptAt, updatedAt) are still those of these fields. */
  ifUnchanged?: Record<string, string>;
}

export interface StoredPayment {
  fields: Record<string, string>;
  history: StatusChange[];
}

/**
 * Payments in Redis. Every change of a payment's status writes the record, its history, its
 * audit entry and its outbox entry in one script (create-payment-4.lua, transition-payment-4.lua):
 * the follow-ups of a change (audit export, notifications, reconciliation) are made from the
 * outbox (jobs/follow-ups), so none is skipped when the request dies or the script's reply is lost.
 * With tracing on, the entry also carries the W3C traceparent of the span active when the change
 * was recorded, so the follow-ups' jobs join that trace (docs/observability.md).
 */
export class PaymentStore {
  private readonly createScript: ScriptCall;
  private readonly createUnsettledScript: ScriptCall;
  private readonly transitionScript: ScriptCall;
  private readonly transitionHandOffScript: ScriptCall;
  private readonly attemptScript: ScriptCall;
  private readonly markExportedScript: ScriptCall;
  /** REDIS_WAIT_REPLICAS: status changes and attempts wait for a replica (docs/redis-deployments.md). */
  private readonly replicas: ReplicaWait;
  private readonly recorded = new EventEmitter<string>();
  /**
   * A change of this payment (its id) was recorded through this store, so its shard's outbox has
   * a new entry: the follow-up relay reads it at once rather than on its next poll.
   */
  readonly onRecorded = this.recorded.event;

  /**
   * @param retentionMs how long a payment that reached a final status (AUTHORIZED, DECLINED,
   *   FAILED) is kept, its history and audit entries with it (PAYMENT_RETENTION_DAYS); 0 keeps it.
   *   Its audit entries are in the export file by then: the export is its long-term record.
   */
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly retentionMs = 0,
    replicaWait: ReplicaWaitSettings = REPLICA_WAIT_OFF,
  ) {
    this.createScript = defineScript(redis, { file: 'create-payment-4.lua', dir: LUA });
    this.createUnsettledScript = defineScript(redis, { file: 'create-payment-5.lua', dir: LUA });
    this.transitionScript = defineScript(redis, { file: 'transition-payment-4.lua', dir: LUA });
    this.transitionHandOffScript = defineScript(redis, { file: 'transition-payment-5.lua', dir: LUA });
    this.attemptScript = defineScript(redis, { file: 'record-attempt-1.lua', dir: LUA });
    this.markExportedScript = defineScript(redis, { file: 'mark-audit-exported-1.lua', dir: LUA });
    this.replicas = new ReplicaWait(redis, replicaWait);
  }

  /**
   * Records a new RECEIVED payment. It starts with `attempts` empty: a RECEIVED record without the
   * field was written before attempts were recorded (see attemptsTracked()). With `unsettledKey`
   * (its shard of the unsettled index, UnsettledPayments.shardKeyOf) the payment is put on the
   * index in the same script, a round trip less than UnsettledPayments.add before it.
   */
  async create(id: string, fields: Record<string, string>, unsettledKey?: string): Promise<RecordedChange> {
    // cjson.decode refuses a lone surrogate: refused here, as the client's data, before the script.
    for (const [field, value] of Object.entries(fields)) if (!isWellFormed(value)) throw new InvalidRequestDataError(field, 'must be well-formed Unicode text');
    const args = [id, JSON.stringify({ attempts: '', ...fields }), 'payment.received'];
    // Tracing on: the outbox entry carries the request's trace to its follow-ups. Off: nothing is sent.
    const traceparent = activeTraceparent();
    if (traceparent !== undefined) args.push(traceparent);
    const reply = unsettledKey === undefined ? await this.createScript(paymentKeys(this.prefix, id), args) : await this.createUnsettledScript([...paymentKeys(this.prefix, id), unsettledKey], args);
    if (reply === -1) throw new PaymentTransitionError(id, 'RECEIVED', 'RECEIVED');
    this.recorded.emit(id);
    return { auditId: String(reply), from: '' };
  }

  /**
   * Moves the payment to `to` with its history and audit entry. With `ifAttempts`, only if its
   * provider attempts are exactly those (else PaymentAttemptsChangedError): no charge started
   * since the caller looked. With `ifUnchanged` (the record's fields as the caller read them),
   * only if its change stamps are still those (else PaymentChangedError): nothing touched it since.
   */
  async transition(id: string, to: PaymentStatus, fields: Record<string, string>, reason: string, guard: TransitionGuard = {}): Promise<RecordedChange> {
    const args = [id, to, JSON.stringify(fields), reason, `payment.${to.toLowerCase()}`, String(this.retentionMs)];
    const traceparent = activeTraceparent();
    // The guards are positional (ARGV[7], ARGV[8]) and the traceparent comes after them ('*' = no
    // guard); with tracing off and no guard the call is what it was before tracing existed.
    if (guard.ifAttempts !== undefined || guard.ifUnchanged !== undefined || traceparent !== undefined) args.push(guard.ifAttempts === undefined ? '*' : guard.ifAttempts.join(','));
    if (guard.ifUnchanged !== undefined || traceparent !== undefined) args.push(guard.ifUnchanged === undefined ? '*' : changeStampsOf(guard.ifUnchanged));
    if (traceparent !== undefined) args.push(traceparent);
    const keys = paymentKeys(this.prefix, id);
    const reply = guard.handOffFrom === undefined ? await this.transitionScript(keys, args) : await this.transitionHandOffScript([...keys, guard.handOffFrom], args);
    if (!Array.isArray(reply)) throw new Error(`unexpected reply to transition-payment: ${JSON.stringify(reply)}`);
    if (reply[0] === -2) throw new PaymentTransitionError(id, undefined, to);
    if (reply[0] === -1) throw new PaymentTransitionError(id, String(reply[1]), to);
    if (reply[0] === -3) throw new PaymentAttemptsChangedError(id, attemptsOf({ attempts: String(reply[1] ?? '') }));
    if (reply[0] === -4) throw new PaymentChangedError(id, String(reply[1] ?? ''));
    await this.replicas.confirm(paymentKeys(this.prefix, id)[0]);
    this.recorded.emit(id);
    return { auditId: String(reply[0]), from: String(reply[1]) };
  }

  /**
   * Records that `provider` is about to be asked to charge the payment (before the request is
   * sent), with `fields` to keep alongside. Throws AttemptRefusedError when the payment is not
   * RECEIVED: then nothing may be sent. Returns every attempt so far.
   */
  async recordAttempt(id: string, provider: string, fields: Record<string, string> = {}): Promise<string[]> {
    const [paymentKey] = paymentKeys(this.prefix, id);
    const reply = await this.attemptScript([paymentKey], [provider, JSON.stringify(fields)]);
    if (!Array.isArray(reply)) throw new Error(`unexpected reply to record-attempt: ${JSON.stringify(reply)}`);
    if (reply[0] === -2) throw new AttemptRefusedError(id, provider, undefined);
    if (reply[0] === -1) throw new AttemptRefusedError(id, provider, String(reply[1]));
    await this.replicas.confirm(paymentKey);
    return attemptsOf({ attempts: String(reply[1]) });
  }

  /** Redis's clock, in ms: the clock of every time a payment record holds (createdAt, lastAttemptAt, ...). */
  async redisTimeMs(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  /** The record's fields alone (no history): what a follow-up needs; undefined when there is no record. */
  async fields(id: string): Promise<Record<string, string> | undefined> {
    const fields = await this.redis.hgetall(paymentKeys(this.prefix, id)[0]);
    return Object.keys(fields).length === 0 ? undefined : fields;
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

  /** The audit entries after `afterId` (all, if undefined) up to and including `upToId`, in order. */
  async auditEntriesAfter(id: string, afterId: string | undefined, upToId: string): Promise<AuditEntry[]> {
    const [, , auditKey] = paymentKeys(this.prefix, id);
    const entries = await this.redis.xrange(auditKey, afterId ?? '-', upToId);
    return entries.filter(([entryId]) => entryId !== afterId).map(([entryId, flat]) => toAuditEntry(id, entryId, flat));
  }

  /** The payment's audit export high-water mark: every entry up to it is in the export file (mark-audit-exported-1.lua). */
  async auditExportedTo(id: string): Promise<string | undefined> {
    const [paymentKey] = paymentKeys(this.prefix, id);
    return (await this.redis.hget(paymentKey, 'auditExportedTo')) ?? undefined;
  }

  /** Moves each payment's audit export mark forward to the entry given (never back; no payment is created). */
  async markAuditExported(marks: readonly { paymentId: string; auditId: string }[]): Promise<void> {
    await Promise.all(marks.map(({ paymentId, auditId }) => this.markExportedScript([paymentKeys(this.prefix, paymentId)[0]], [auditId])));
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
