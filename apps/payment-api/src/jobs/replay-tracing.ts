import { context, ROOT_CONTEXT, SpanKind, trace, type Context, type Link } from '@opentelemetry/api';
import { SpanAttributes, SpanNames, TRACER_NAME } from '@breakwater/telemetry';
import type { Telemetry } from 'bullmq';
import type { QueueName } from './queue-table';

/**
 * Puts a replayed dead letter back in the trace its job came from. BullMQ replaces a job's
 * propagation metadata with the context of whatever adds it, here the operator's replay request;
 * so the add runs under a span of our own whose parent is the job's last context (its failed run,
 * in the payment's trace) and which links to the operator's request. The replayed run then
 * continues the payment's trace, and the replay request shows what it replayed.
 */
export class ReplayTracing {
  constructor(private readonly telemetry: Telemetry<Context>) {}

  async replaying<T>(p: { queue: QueueName; jobId: string; metadata: string | undefined }, add: () => Promise<T>): Promise<T> {
    const operator = trace.getActiveSpan()?.spanContext();
    const links: Link[] = operator === undefined ? [] : [{ context: operator }];
    const parent = p.metadata === undefined ? ROOT_CONTEXT : this.telemetry.contextManager.fromMetadata(ROOT_CONTEXT, p.metadata);
    const span = trace.getTracer(TRACER_NAME).startSpan(
      SpanNames.deadLetterReplay,
      { kind: SpanKind.INTERNAL, links, attributes: { [SpanAttributes.jobQueue]: p.queue, [SpanAttributes.jobId]: p.jobId } },
      parent,
    );
    try {
      return await context.with(trace.setSpan(parent, span), add);
    } finally {
      span.end();
    }
  }
}
