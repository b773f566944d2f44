import { context, trace, type Context } from '@opentelemetry/api';
import type { AttributeValue, Attributes, Exception, Span, SpanOptions, Telemetry, Time } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';

/**
 * BullMQ's `telemetry` option (bullmq-otel), given to the queues and workers only when tracing is
 * on: a job added inside a trace carries its context (BullMQ's propagation metadata, W3C
 * traceparent under the SDK's propagator) and its worker's `process` span continues that trace.
 *
 * Spans are made only inside a trace. BullMQ also traces its own housekeeping with no job behind
 * it: every worker's fetch that finds nothing, every stalled check and lock renewal, close. Each
 * would be a trace of its own, a few per second per instance, burying the payments' traces.
 */
export function jobTelemetry(): Telemetry<Context> {
  const otel = new BullMQOtel({ tracerName: 'bullmq' });
  return {
    contextManager: otel.contextManager,
    tracer: {
      startSpan(name: string, options?: SpanOptions, parent?: Context): Span<Context> {
        if (trace.getSpan(parent ?? context.active()) === undefined) return UNTRACED;
        return otel.tracer.startSpan(name, options, parent);
      },
    },
  };
}

/** What BullMQ gets for work outside any trace: records nothing, and leaves the context as it is. */
class UntracedSpan implements Span<Context> {
  setSpanOnContext(ctx: Context): Context {
    return ctx;
  }
  setAttribute(_key: string, _value: AttributeValue): void {}
  setAttributes(_attributes: Attributes): void {}
  addEvent(_name: string, _attributes?: Attributes, _time?: Time): void {}
  recordException(_exception: Exception, _time?: Time): void {}
  end(): void {}
}

const UNTRACED = new UntracedSpan();
