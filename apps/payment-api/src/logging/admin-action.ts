import type { FastifyRequest } from 'fastify';
import type { OperatorLog } from './operator-log';

/**
 * Runs one admin action and logs who did what and how it ended. Tokens name no one: "who" is
 * `admin` and the address the request came from (behind the load balancer, its own address and
 * the X-Forwarded-For it passed on). A failed action is logged and its error rethrown as it was.
 */
export async function adminAction<T>(log: OperatorLog, request: FastifyRequest, what: string, act: () => Promise<T>, outcome: (value: T) => string): Promise<T> {
  const forwarded = request.headers['x-forwarded-for'];
  const who = { by: 'admin', from: request.ip, forwardedFor: Array.isArray(forwarded) ? forwarded.join(', ') : forwarded };
  let value: T;
  try {
    value = await act();
  } catch (error) {
    log.warn('admin', what, { ...who, result: 'failed', error });
    throw error;
  }
  log.info('admin', what, { ...who, result: describe(outcome, value) });
  return value;
}

// The action is done: describing it must not turn its answer into an error.
function describe<T>(outcome: (value: T) => string, value: T): string {
  try {
    return outcome(value);
  } catch {
    return 'done';
  }
}
