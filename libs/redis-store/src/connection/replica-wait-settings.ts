import { InvalidConfigError } from '@breakwater/resilience';
import { DEFAULT_DATA_COMMAND_TIMEOUT_MS } from './connection-roles';

/** How many replicas must hold a write that decides money before it counts (`WAIT <replicas> <timeoutMs>`). */
export interface ReplicaWaitSettings {
  /** 0: the mode is off (Redis replication stays asynchronous). */
  readonly replicas: number;
  readonly timeoutMs: number;
}

/** Off by default: it costs a round trip to the replica on each of a payment's money writes. */
export const DEFAULT_REDIS_WAIT_REPLICAS = 0;
/** Well under the data connection's command timeout, which the WAIT is subject to as well. */
export const DEFAULT_REDIS_WAIT_TIMEOUT_MS = 250;

/** The mode off: what a store made without settings does. */
export const REPLICA_WAIT_OFF: ReplicaWaitSettings = { replicas: DEFAULT_REDIS_WAIT_REPLICAS, timeoutMs: DEFAULT_REDIS_WAIT_TIMEOUT_MS };

/**
 * REDIS_WAIT_REPLICAS (whole number, default 0 = off) and REDIS_WAIT_TIMEOUT_MS (1 to 999, below
 * the data connection's 1 s command timeout: a WAIT cut by that timeout would say nothing).
 * Throws InvalidConfigError naming every bad value.
 */
export function readReplicaWaitSettings(env: NodeJS.ProcessEnv): ReplicaWaitSettings {
  const problems: string[] = [];
  const whole = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return value;
  };
  const replicas = whole('REDIS_WAIT_REPLICAS', DEFAULT_REDIS_WAIT_REPLICAS, 0, 16);
  const timeoutMs = whole('REDIS_WAIT_TIMEOUT_MS', DEFAULT_REDIS_WAIT_TIMEOUT_MS, 1, DEFAULT_DATA_COMMAND_TIMEOUT_MS - 1);
  if (problems.length > 0) throw new InvalidConfigError('the replica waiting mode', problems);
  return { replicas, timeoutMs };
}
