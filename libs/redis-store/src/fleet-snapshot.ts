import { isBreakerState, type BreakerState } from '@breakwater/resilience';

/** The fleet's state of one breaker, as a script or a transition message reports it. */
export interface FleetSnapshot {
  state: BreakerState;
  version: number;
  /** A duration computed with Redis time, so no instance clock is involved. */
  retryAfterMs: number;
  openSteps: number;
  /** Window totals; absent in transition messages. */
  totals?: { calls: number; failures: number; slowCalls: number; consecutive: number };
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

/** Parses `{ code, state, version, retryAfterMs, calls, failures, slowCalls, openSteps, consecutive }` (includes/reply.lua). */
export function parseScriptReply(reply: unknown): ScriptReply {
  if (!Array.isArray(reply) || reply.length !== 9 || !isBreakerState(reply[1])) throw new UnexpectedReplyError('breaker script reply', reply);
  const n = reply.map(Number);
  return {
    code: n[0],
    snapshot: { state: reply[1], version: n[2], retryAfterMs: n[3], openSteps: n[7], totals: { calls: n[4], failures: n[5], slowCalls: n[6], consecutive: n[8] } },
  };
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
  return { name: m.name, snapshot: { state: m.state, version: m.version, retryAfterMs: Number(m.retryAfterMs) || 0, openSteps: Number(m.openSteps) || 0 } };
}
