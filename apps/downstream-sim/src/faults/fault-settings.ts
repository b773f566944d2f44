// What a `PUT /_faults/:service` body may say, its defaults, and its validation. A PUT replaces
// the service's whole fault (fields left out take their defaults), so `{"mode":"up"}` always heals.
import { isPlainObject } from '../http/json-io';

export const FAULT_MODES = ['up', 'down', 'hang', 'flap'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export const DEFAULT_FLAP_PERIOD_MS = 3_000;
export const MIN_FLAP_PERIOD_MS = 10;
/** Longer than any client timeout worth testing; a typo of extra zeros is refused, not obeyed. */
export const MAX_LATENCY_MS = 600_000;

export interface FaultSettings {
  mode: FaultMode;
  /** Share of requests answered `503 {"processed": false}` while the service is up, 0..1. */
  errorRate: number;
  /** Replaces the service's default latency distribution when set (with or without jitter). */
  latencyMs?: number;
  jitterMs?: number;
  /** How long each up and each down phase of `flap` lasts. */
  flapPeriodMs: number;
}

export type FaultSettingsResult = { ok: true; settings: FaultSettings } | { ok: false; errors: string[] };

const KNOWN_FIELDS = ['mode', 'errorRate', 'latencyMs', 'jitterMs', 'flapPeriodMs'];

export function parseFaultSettings(body: unknown): FaultSettingsResult {
  if (!isPlainObject(body)) return { ok: false, errors: ['the body must be a JSON object such as {"mode":"down"}'] };
  const errors: string[] = [];
  for (const field of Object.keys(body)) {
    if (!KNOWN_FIELDS.includes(field)) errors.push(`unknown field "${field}" (known: ${KNOWN_FIELDS.join(', ')})`);
  }
  const { mode, errorRate, latencyMs, jitterMs, flapPeriodMs } = body;
  if (mode !== undefined && !(FAULT_MODES as readonly unknown[]).includes(mode)) errors.push(`mode must be one of ${FAULT_MODES.join(', ')}`);
  if (errorRate !== undefined && !isNumberIn(errorRate, 0, 1)) errors.push('errorRate must be a number from 0 to 1');
  if (latencyMs !== undefined && !isNumberIn(latencyMs, 0, MAX_LATENCY_MS)) errors.push(`latencyMs must be a number from 0 to ${MAX_LATENCY_MS}`);
  if (jitterMs !== undefined && !isNumberIn(jitterMs, 0, MAX_LATENCY_MS)) errors.push(`jitterMs must be a number from 0 to ${MAX_LATENCY_MS}`);
  if (flapPeriodMs !== undefined && !isNumberIn(flapPeriodMs, MIN_FLAP_PERIOD_MS, MAX_LATENCY_MS)) {
    errors.push(`flapPeriodMs must be a number from ${MIN_FLAP_PERIOD_MS} to ${MAX_LATENCY_MS}`);
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    settings: {
      mode: (mode as FaultMode | undefined) ?? 'up',
      errorRate: (errorRate as number | undefined) ?? 0,
      latencyMs: latencyMs as number | undefined,
      jitterMs: jitterMs as number | undefined,
      flapPeriodMs: (flapPeriodMs as number | undefined) ?? DEFAULT_FLAP_PERIOD_MS,
    },
  };
}

function isNumberIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}
