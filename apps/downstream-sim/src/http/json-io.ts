// Reading and writing JSON over node:http without a framework: the simulator must stay cheap at
// the ~1000 requests/s a payment-gateway fleet pushes through it.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request bodies beyond this are refused: every body the simulator expects is a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

export type BodyResult =
  | { kind: 'json'; value: unknown }
  | { kind: 'empty' }
  | { kind: 'invalid'; status: 400 | 413; message: string }
  /** The client went away before the body arrived: there is no one left to answer. */
  | { kind: 'aborted' };

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function readJsonBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) settle({ kind: 'invalid', status: 413, message: `request body is larger than ${MAX_BODY_BYTES} bytes` });
      else chunks.push(chunk);
    });
    req.on('end', () => settle(parseJson(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', () => settle({ kind: 'aborted' }));
    req.on('close', () => settle({ kind: 'aborted' }));
  });
}

function parseJson(text: string): BodyResult {
  if (text.trim() === '') return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch (error) {
    return { kind: 'invalid', status: 400, message: `malformed JSON body: ${(error as Error).message}` };
  }
}

/** The value of a header sent once; a header sent twice or empty counts as absent. */
export function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
