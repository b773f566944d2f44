/**
 * The running SDK's shutdown, kept apart from start-tracing.ts so that what stops the app can
 * flush the last spans without loading the SDK when tracing is off.
 */
let shutdown: (() => Promise<void>) | undefined;

export function onTracingShutdown(stop: () => Promise<void>): void {
  shutdown = stop;
}

/** Sends the spans still buffered; never fails the shutdown it is part of. */
export async function shutdownTracing(): Promise<void> {
  const stop = shutdown;
  shutdown = undefined;
  await stop?.().catch((error: unknown) => process.stderr.write(`tracing: the last spans could not be sent: ${String(error)}\n`));
}
