import { context, createContextKey, type Context, type Span } from '@opentelemetry/api';
import type { BreakerState } from '@breakwater/resilience';
import { SpanAttributes, type Decision } from '../attribute-names';

/** The downstream call being traced, and which breaker guards it. */
export interface CallTrace {
  readonly span: Span;
  readonly breaker: string | undefined;
}

// A key of our own rather than "the active span": a request span (from the HTTP
// instrumentation) is active too, and must not get one downstream's breaker decision.
const CALL_TRACE = createContextKey('breakwater.call-trace');

export const withCallTrace = (parent: Context, call: CallTrace): Context => parent.setValue(CALL_TRACE, call);

/** The traced call of `breaker` running in the current context, if there is one. */
export function currentCall(breaker: string): CallTrace | undefined {
  const call = context.active().getValue(CALL_TRACE) as CallTrace | undefined;
  return call !== undefined && call.breaker === breaker ? call : undefined;
}

/** Records what the breaker decided for this attempt; a retry's next attempt overwrites it. */
export function recordDecision(breaker: string, decision: Decision, state?: BreakerState): void {
  const call = currentCall(breaker);
  if (call === undefined) return;
  call.span.setAttribute(SpanAttributes.decision, decision);
  if (state !== undefined) call.span.setAttribute(SpanAttributes.breakerState, state);
}
