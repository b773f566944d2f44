import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BREAKER_CONFIG, InvalidConfigError, type BreakerConfig, type JitterKind } from '@breakwater/resilience';

/** The downstreams of the payment gateway (architecture.md "Names"). */
export const DOWNSTREAMS = ['provider-a', 'provider-b', 'provider-c', 'inventory', 'fraud', 'notify-email', 'notify-sms', 'notify-push'] as const;
export type DownstreamName = (typeof DOWNSTREAMS)[number];
export const PROVIDERS = ['provider-a', 'provider-b', 'provider-c'] as const satisfies readonly DownstreamName[];
export type ProviderName = (typeof PROVIDERS)[number];

export interface DownstreamSettings {
  timeoutMs: number;
  maxConcurrent: number;
  maxQueue: number;
  queueTimeoutMs: number;
  retry: { maxAttempts: number; baseMs: number; capMs: number; jitter: JitterKind };
  breaker: Partial<BreakerConfig>;
}

export const DEFAULT_DOWNSTREAMS_FILE = join(__dirname, '..', '..', 'config', 'downstreams.json');

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Json, v) : v;
  return out;
}

/** `timeoutMs` -> `TIMEOUT_MS`, `breaker.minimumCalls` -> `BREAKER_MINIMUM_CALLS`. */
const envName = (downstream: string, path: string[]): string =>
  ['DOWNSTREAM', downstream, ...path].map((p) => p.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase()).join('_');

/** Every setting an environment variable may set, with a value of its type (numbers or strings). */
const SETTABLE: Json = {
  timeoutMs: 0,
  maxConcurrent: 0,
  maxQueue: 0,
  queueTimeoutMs: 0,
  retry: { maxAttempts: 0, baseMs: 0, capMs: 0, jitter: '' },
  breaker: Object.fromEntries(Object.entries(DEFAULT_BREAKER_CONFIG).filter(([, v]) => typeof v === 'number')),
};

function applyEnv(downstream: string, settings: Json, env: NodeJS.ProcessEnv, path: string[] = [], settable: Json = SETTABLE): Json {
  const out: Json = {};
  const keys = new Set([...Object.keys(settings), ...Object.keys(settable)]);
  for (const k of keys) {
    const v = settings[k];
    const kind = settable[k];
    if (isObject(v) || isObject(kind)) {
      out[k] = applyEnv(downstream, isObject(v) ? v : {}, env, [...path, k], isObject(kind) ? kind : {});
      continue;
    }
    const raw = env[envName(downstream, [...path, k])];
    if (raw === undefined) {
      if (v !== undefined) out[k] = v;
      continue;
    }
    out[k] = typeof (v ?? kind) === 'number' ? Number(raw) : raw;
  }
  return out;
}

/**
 * Reads the per-downstream settings file (defaults merged under each downstream), then applies
 * environment overrides. Numbers are checked here; each policy checks its own ranges when built.
 */
export function loadDownstreamSettings(env: NodeJS.ProcessEnv = process.env): Record<DownstreamName, DownstreamSettings> {
  const file = env.DOWNSTREAMS_CONFIG ?? DEFAULT_DOWNSTREAMS_FILE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InvalidConfigError(`downstreams file ${file}`, [`cannot be read as JSON: ${(error as Error).message}`]);
  }
  if (!isObject(parsed) || !isObject(parsed.defaults) || !isObject(parsed.downstreams)) {
    throw new InvalidConfigError(`downstreams file ${file}`, ['must hold objects "defaults" and "downstreams"']);
  }
  const problems: string[] = [];
  const result = {} as Record<DownstreamName, DownstreamSettings>;
  for (const name of DOWNSTREAMS) {
    const own = parsed.downstreams[name];
    const merged = applyEnv(name, merge(parsed.defaults, isObject(own) ? own : {}), env);
    for (const key of ['timeoutMs', 'maxConcurrent', 'maxQueue', 'queueTimeoutMs'] as const) {
      if (typeof merged[key] !== 'number' || !Number.isFinite(merged[key])) problems.push(`${name}.${key} must be a number (got ${typeof merged[key] === 'number' ? String(merged[key]) : JSON.stringify(merged[key])})`);
    }
    result[name] = merged as unknown as DownstreamSettings;
  }
  for (const name of Object.keys(parsed.downstreams)) {
    if (!(DOWNSTREAMS as readonly string[]).includes(name)) problems.push(`unknown downstream ${name}`);
  }
  if (problems.length > 0) throw new InvalidConfigError(`downstreams file ${file}`, problems);
  return result;
}
