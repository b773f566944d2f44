// Control-plane calls beside the load (fault API, /breakers, /payments/:id, /queues): plain fetch
// with a time limit, on connections of their own, to 127.0.0.1 only.
import { assertLoopback } from '../infra/loopback';

const TIMEOUT_MS = 5_000;

export class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';
  readonly code = 'CHAOS_HTTP_STATUS';
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    body: string,
  ) {
    super(`${method} ${url} answered ${status}: ${body.slice(0, 200)}`);
  }
}

export interface JsonAnswer {
  status: number;
  body: unknown;
}

/** Any status; throws only when no answer arrived. */
export async function requestJson(method: string, url: string, body?: unknown, timeoutMs = TIMEOUT_MS): Promise<JsonAnswer> {
  assertLoopback(url);
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, body: parsed };
}

/** A 2xx answer's body; any other status is an HttpStatusError. */
export async function getJson(url: string, timeoutMs = TIMEOUT_MS): Promise<unknown> {
  const answer = await requestJson('GET', url, undefined, timeoutMs);
  if (answer.status < 200 || answer.status >= 300) throw new HttpStatusError('GET', url, answer.status, JSON.stringify(answer.body));
  return answer.body;
}

export async function sendJson(method: 'PUT' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<unknown> {
  const answer = await requestJson(method, url, body);
  if (answer.status < 200 || answer.status >= 300) throw new HttpStatusError(method, url, answer.status, JSON.stringify(answer.body));
  return answer.body;
}

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
