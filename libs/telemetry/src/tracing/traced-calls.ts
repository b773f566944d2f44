import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import type { Breaker, Policy, ProtectedCall } from '@breakwater/resilience';
import { SpanAttributes, SpanNames, TRACER_NAME } from '../attribute-names';
import { withCallTrace } from './call-trace';
import { errorType } from './error-type';

export interface TracedCallsOptions {
  /** Names the span: one downstream, one span name. */
  downstream: string;
  /** The downstream's policy chain; the span covers all of it, retries included. */
  chain: Policy;
  /** The breaker in the chain, whose decisions the span records. */
  breaker?: Pick<Breaker, 'name' | 'state'>;
  tracer?: Tracer;
}

/**
 * The chain with a span around every call. The span is the active one while the chain runs, so
 * the events its policies emit on the way (see ResilienceTracing) land on it.
 */
export function tracedCalls(options: TracedCallsOptions): Policy {
  const tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
  const spanName = SpanNames.downstreamCall(options.downstream);
  const breaker = options.breaker;
  return {
    execute<T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T> {
      const attributes: Attributes = { [SpanAttributes.downstream]: options.downstream };
      if (breaker !== undefined) {
        attributes[SpanAttributes.breakerName] = breaker.name;
        attributes[SpanAttributes.breakerState] = breaker.state;
      }
      const span = tracer.startSpan(spanName, { kind: SpanKind.INTERNAL, attributes });
      const active = withCallTrace(trace.setSpan(context.active(), span), { span, breaker: breaker?.name });
      // async: a chain that throws before its first await still ends the span.
      const running = context.with(active, async () => options.chain.execute(call, signal));
      return running.then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          const type = errorType(error);
          span.setAttribute(SpanAttributes.errorType, type);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : type });
          span.end();
          throw error;
        },
      );
    },
  };
}
