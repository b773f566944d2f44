import { context, isSpanContextValid, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';

/**
 * A W3C `traceparent` carried in data that outlives the request (an outbox entry), written and
 * read here rather than through the global propagator: the value must be W3C whatever
 * OTEL_PROPAGATORS says, and must cost nothing to leave out when tracing is off.
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The running span as a `traceparent`, or undefined when there is none. With tracing off no
 * context manager is registered, so this is one lookup in an empty context and nothing is made.
 */
export function activeTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined) return undefined;
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * A context whose (remote) parent is `traceparent`, on top of the root context: what runs in it
 * belongs to that trace and to nothing else that happened to be active. Undefined for a value
 * that is not a usable traceparent (version ff, all-zero ids, a future version's extra fields are
 * ignored as the spec asks).
 */
export function contextOfTraceparent(traceparent: string): Context | undefined {
  const m = TRACEPARENT.exec(traceparent.trim());
  if (m === null || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return undefined;
  const sc = { traceId: m[2], spanId: m[3], traceFlags: parseInt(m[4], 16) & 0x01, isRemote: true };
  return isSpanContextValid(sc) ? trace.setSpanContext(ROOT_CONTEXT, sc) : undefined;
}

/**
 * Runs `fn` in the trace `traceparent` names, or in the root context when it names none: work
 * picked up later (an outbox entry) must never inherit whichever request's context the code that
 * picked it up ran in.
 */
export function inTraceOf<T>(traceparent: string | undefined, fn: () => T): T {
  const parent = traceparent === undefined || traceparent === '' ? undefined : contextOfTraceparent(traceparent);
  return context.with(parent ?? ROOT_CONTEXT, fn);
}
