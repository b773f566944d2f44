import { hostname } from 'node:os';

/**
 * This instance's name on /metrics, /breakers, the dashboard and its spans: INSTANCE_ID (the
 * launcher sets api-1, api-2, ...), else the host and process, unique on one machine. Its own
 * module because the tracing entry file reads it before the configuration loads.
 */
export function instanceIdFrom(env: NodeJS.ProcessEnv): string {
  return env.INSTANCE_ID ?? `${hostname()}-${process.pid}`;
}
