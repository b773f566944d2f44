import { isBreakerState, isTransitionReason, isTripReason, type BreakerState, type TransitionReason, type TripReason } from '@breakwater/resilience';

/** The fleet's state of one breaker, as a script or a transition message reports it. */
export interface FleetSnapshot {
  state: BreakerState;
  version: number;
  /** A duration computed with Redis time, so no instance clock is involved. */
  retryAfterMs: number;
  openSteps: number;
  /** Window totals; absent in transition messages. */
  totals?: { calls: number; failures: number; slowCalls: number; consecutive: number };
  /** The transition that led to this state; absent for a breaker that never changed. */
  lastChange?: { reason: TransitionReason; agoMs: number };
  /** The window when the breaker last tripped (the trip empties the window); absent if it never did. */
  lastTrip?: FleetTrip;
  /** Made when the state hash was created: another one means Redis lost the data the view knew. */
  incarnation?: string;
}

export interface FleetTrip {
  reason: TripReason;
  agoMs: number;
  calls: number;
  failures: number;
  slowCalls: number;
}

export interface ScriptReply {
  code: number;
  snapshot: FleetSnapshot;
}

export class UnexpectedReplyError extends Error {
  readonly code = 'UNEXPECTED_REDIS_REPLY';

  constructor(what: string, reply: unknown) {
    super(`unexpected ${what}: ${JSON.stringify(reply)?.slice(0, 200)}`);
    this.name = 'UnexpectedReplyError';
  }
}

const REPLY_LENGTH = 17;

/**
 * Parses `{ code, state, version, retryAfterMs, calls, failures, slowCalls, openSteps, consecutive,
 * reason, changedAgoMs, tripReason, trippedAgoMs, tripCalls, tripFailures, tripSlowCalls }`
 * (includes/reply.lua; -1 for never).
 */
export function parseScriptReply(reply: unknown): ScriptReply {
  if (!Array.isArray(reply) || reply.length !== REPLY_LENGTH || !isBreakerState(reply[1])) throw new UnexpectedReplyError('breaker script reply', reply);
  const n = reply.map(Number);
  const snapshot: FleetSnapshot = { state: reply[1], version: n[2], retryAfterMs: n[3], openSteps: n[7], totals: { calls: n[4], failures: n[5], slowCalls: n[6], consecutive: n[8] } };
  if (isTransitionReason(reply[9]) && n[10] >= 0) snapshot.lastChange = { reason: reply[9], agoMs: n[10] };
  if (isTripReason(reply[11]) && n[12] >= 0) snapshot.lastTrip = { reason: reply[11], agoMs: n[12], calls: n[13], failures: n[14], slowCalls: n[15] };
  if (typeof reply[16] === 'string' && reply[16] !== '') snapshot.incarnation = reply[16];
  return { code: n[0], snapshot };
}

/** A transition message from the pub/sub channel (includes/transition.lua), or undefined if malformed. */
export function parseTransitionMessage(message: string): { name: string; snapshot: FleetSnapshot } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const m = parsed as Record<string, unknown>;
  if (typeof m.name !== 'string' || !isBreakerState(m.state) || typeof m.version !== 'number') return undefined;
  const snapshot: FleetSnapshot = { state: m.state, version: m.version, retryAfterMs: Number(m.retryAfterMs) || 0, openSteps: Number(m.openSteps) || 0 };
  if (isTransitionReason(m.reason)) snapshot.lastChange = { reason: m.reason, agoMs: 0 };
  const trip = parseTrip(m.trip);
  if (trip !== undefined) snapshot.lastTrip = trip;
  if (typeof m.incarnation === 'string' && m.incarnation !== '') snapshot.incarnation = m.incarnation;
  return { name: m.name, snapshot };
}

function parseTrip(value: unknown): FleetTrip | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const t = value as Record<string, unknown>;
  if (!isTripReason(t.reason)) return undefined;
  const n = (v: unknown): number => Math.max(0, Number(v) || 0);
  return { reason: t.reason, agoMs: n(t.agoMs), calls: n(t.calls), failures: n(t.failures), slowCalls: n(t.slowCalls) };
}
