// The launcher's readiness routing (readiness-router.ts, docs/fleet.md "Readiness routing"): how
// often it asks every instance GET /health/ready, how many answers in a row change its mind, and
// how often nginx may be reloaded. Read from the environment, with every default named here.
import { UsageError } from './fleet-options';

export const DEFAULT_READINESS_INTERVAL_MS = 500;
/** The instance's Redis ping gives up after 500 ms: an unready instance answers well within this. */
export const DEFAULT_READINESS_TIMEOUT_MS = 1_000;
/** Failed checks in a row that take an instance out (about 1.5 s at the default interval). */
export const DEFAULT_READINESS_FALL = 3;
/** Good checks in a row that put it back. */
export const DEFAULT_READINESS_RISE = 2;
/** At most one nginx reload per this long; the changes in between go into the next one. */
export const DEFAULT_READINESS_RELOAD_INTERVAL_MS = 2_000;

export interface ReadinessRoutingSettings {
  /** false: nginx routes to every instance, as before (its passive checks only). */
  enabled: boolean;
  intervalMs: number;
  timeoutMs: number;
  fall: number;
  rise: number;
  reloadIntervalMs: number;
}

export const DEFAULT_READINESS_ROUTING: ReadinessRoutingSettings = {
  enabled: true,
  intervalMs: DEFAULT_READINESS_INTERVAL_MS,
  timeoutMs: DEFAULT_READINESS_TIMEOUT_MS,
  fall: DEFAULT_READINESS_FALL,
  rise: DEFAULT_READINESS_RISE,
  reloadIntervalMs: DEFAULT_READINESS_RELOAD_INTERVAL_MS,
};

export const READINESS_ROUTING_USAGE = `  FLEET_READINESS_ROUTING   on (default): nginx routes only to instances whose GET /health/ready
                     answers 200 (never to none); off: to every instance (passive checks only)
  FLEET_READINESS_INTERVAL_MS  time between two checks of one instance (default ${DEFAULT_READINESS_INTERVAL_MS})
  FLEET_READINESS_TIMEOUT_MS   a check not answered within this failed (default ${DEFAULT_READINESS_TIMEOUT_MS})
  FLEET_READINESS_FALL    failed checks in a row that take an instance out (default ${DEFAULT_READINESS_FALL})
  FLEET_READINESS_RISE    good checks in a row that put it back (default ${DEFAULT_READINESS_RISE})
  FLEET_READINESS_RELOAD_INTERVAL_MS  at most one nginx reload per this long (default ${DEFAULT_READINESS_RELOAD_INTERVAL_MS})`;

export function readinessRoutingFromEnv(env: NodeJS.ProcessEnv = process.env): ReadinessRoutingSettings {
  const mode = (env.FLEET_READINESS_ROUTING ?? '').toLowerCase();
  if (mode !== '' && mode !== 'on' && mode !== 'off') throw new UsageError(`FLEET_READINESS_ROUTING must be on or off (got ${JSON.stringify(env.FLEET_READINESS_ROUTING)})`);
  return {
    enabled: mode !== 'off',
    intervalMs: whole(env, 'FLEET_READINESS_INTERVAL_MS', DEFAULT_READINESS_INTERVAL_MS, 50, 60_000),
    timeoutMs: whole(env, 'FLEET_READINESS_TIMEOUT_MS', DEFAULT_READINESS_TIMEOUT_MS, 50, 60_000),
    fall: whole(env, 'FLEET_READINESS_FALL', DEFAULT_READINESS_FALL, 1, 100),
    rise: whole(env, 'FLEET_READINESS_RISE', DEFAULT_READINESS_RISE, 1, 100),
    reloadIntervalMs: whole(env, 'FLEET_READINESS_RELOAD_INTERVAL_MS', DEFAULT_READINESS_RELOAD_INTERVAL_MS, 0, 60_000),
  };
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return value;
}
