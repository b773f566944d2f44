/**
 * Server-Sent Events framing (the WHATWG event stream format). `data` is JSON, which has no raw
 * newline, so one `data:` line always holds it.
 */
export const sseEvent = (event: string, id: number, data: unknown): string => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** A comment line: keeps proxies and the browser from timing the stream out, and is ignored by readers. */
export const sseHeartbeat = (): string => `: keep-alive ${Date.now()}\n\n`;

/** How long the browser's EventSource waits before reconnecting (our own reader uses the same). */
export const sseRetry = (ms: number): string => `retry: ${ms}\n\n`;
