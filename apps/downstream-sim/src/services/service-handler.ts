// The shape every simulated service implements. A handler is synchronous on purpose: it reads and
// writes the simulator's state in one step, so two concurrent requests with one idempotency key
// cannot both find "no charge yet" and both charge.
import type { Reply } from '../http/open-responses';

export interface ServiceRequest {
  method: string;
  /** The path after the service's prefix: `''` for `/fraud`, `/score` for `/fraud/score`. */
  subPath: string;
  idempotencyKey: string | undefined;
  /** The parsed JSON body; undefined when there was none. */
  body: unknown;
}

export type ServiceHandler = (request: ServiceRequest) => Reply;

export function notFound(request: ServiceRequest): Reply {
  return { status: 404, body: { error: `no such endpoint: ${request.method} ${request.subPath || '/'}` } };
}

export function badRequest(errors: string[]): Reply {
  return { status: 400, body: { error: errors.join('; '), errors } };
}

export const MISSING_IDEMPOTENCY_KEY: Reply = badRequest(['the Idempotency-Key header is required']);

/** A `%`-encoded path segment decoded, or undefined when it is not valid encoding. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
