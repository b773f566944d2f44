import { InvalidConfigError } from '@breakwater/resilience';
import { InvalidRedisUrlError, parseRedisUrl, readReplicaWaitSettings, REPLICA_WAIT_OFF, type ReplicaWaitSettings } from '@breakwater/redis-store';
import { DEFAULT_LOG_LEVEL, isLogLevel, LOG_LEVELS, type LogLevel } from '../logging/operator-log';
import { DEFAULT_MAX_ANSWER_BYTES } from '../downstreams/http-client';
import { DEFAULT_NOTIFY_RATE_LIMIT, DEFAULT_NOTIFY_RATE_WINDOW_MS, type NotifyRateSettings } from '../jobs/notify-rate-limit';
import { loadAuthSettings, type AuthSettings } from '../auth/auth-settings';
import { tracingEnabled } from '../telemetry/tracing-settings';
import { instanceIdFrom } from './instance-id';
import { loadDownstreamSettings, type DownstreamName, type DownstreamSettings } from './downstream-config';

/** What to do with a payment when the inventory service is down and nothing is cached. */
export type InventoryFallback = 'accept' | 'refuse';

export interface AppConfig {
  port: number;
  host: string;
  redisUrl: string;
  instanceId: string;
  simUrl: string;
  /** Tokens, OPERATOR_AUTH, trusted proxies and the failed-attempt limit (auth/auth-settings.ts). */
  auth: AuthSettings;
  keyPrefix: string;
  inventoryFallback: InventoryFallback;
  /** The whole budget of one POST /payments. */
  paymentDeadlineMs: number;
  /**
   * How long a claimed Idempotency-Key stays its request's; once it expires with the key still
   * pending, the request is presumed dead and a retry with the key recovers the payment. At least
   * twice `paymentDeadlineMs` (refused at start-up otherwise).
   */
  paymentLeaseMs: number;
  /** How long a payment with a final status stays in Redis (PAYMENT_RETENTION_DAYS); 0 keeps it for ever. */
  paymentRetentionMs: number;
  /** Where the audit-export queue appends its JSON lines. */
  auditExportFile: string;
  /** How soon a job whose worker died is run again (BullMQ lock duration). */
  jobLockMs: number;
  /** The least severe operator log line written on stderr; `silent` writes none. */
  logLevel: LogLevel;
  /**
   * How many payments may notify one destination (address, phone, device) per window, fleet-wide
   * (NOTIFY_RATE_LIMIT, default 10; NOTIFY_RATE_WINDOW_MS, default one hour).
   */
  notifyRate: NotifyRateSettings;
  /**
   * Slow clients: the whole request must have arrived within `httpRequestTimeoutMs`
   * (HTTP_REQUEST_TIMEOUT_MS, default the deadline + 2 s), and a socket with nothing on it for
   * `httpConnectionTimeoutMs` (HTTP_CONNECTION_TIMEOUT_MS, default the deadline + 5 s) is closed.
   * Both above PAYMENT_DEADLINE_MS (refused at start-up otherwise): a payment being worked on is never cut.
   */
  httpRequestTimeoutMs: number;
  httpConnectionTimeoutMs: number;
  /** The largest downstream answer body read (DOWNSTREAM_ANSWER_MAX_BYTES, default 64 KiB); a bigger one is dropped, a failure of that downstream. */
  downstreamAnswerMaxBytes: number;
  downstreams: Record<DownstreamName, DownstreamSettings>;
  /**
   * The replica waiting mode (docs/redis-deployments.md): REDIS_WAIT_REPLICAS (default 0, off) replicas
   * must hold each write that decides money within REDIS_WAIT_TIMEOUT_MS (default 250, 1 to 999).
   */
  replicaWait: ReplicaWaitSettings;
  /** Spans for downstream calls and resilience decisions: on when OTEL_EXPORTER_OTLP_ENDPOINT is set (telemetry/tracing-settings.ts). */
  tracing: boolean;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * A settled payment stays in Redis this long (its record, history and audit entries); its audit
 * entries are in the export file within seconds, and that file is the long-term record. Redis
 * runs `noeviction` and holds everything else too: payments kept for ever would fill it.
 */
export const DEFAULT_PAYMENT_RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Reads and checks the environment once at start-up; a bad value stops the process with a clear message. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min) problems.push(`${name} must be a whole number of at least ${min} (got ${JSON.stringify(raw)})`);
    return value;
  };
  const inventoryFallback = (env.INVENTORY_FALLBACK ?? 'accept') as InventoryFallback;
  if (inventoryFallback !== 'accept' && inventoryFallback !== 'refuse') problems.push(`INVENTORY_FALLBACK must be accept or refuse (got ${JSON.stringify(env.INVENTORY_FALLBACK)})`);
  const paymentDeadlineMs = int('PAYMENT_DEADLINE_MS', 8000, 100);
  const logLevel = env.LOG_LEVEL === undefined || env.LOG_LEVEL === '' ? DEFAULT_LOG_LEVEL : env.LOG_LEVEL.toLowerCase();
  if (!isLogLevel(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(env.LOG_LEVEL)})`);
  const paymentLeaseMs = int('PAYMENT_LEASE_MS', 2 * paymentDeadlineMs, 100);
  // A lease shorter than that could expire while its request may still send a charge.
  if (paymentLeaseMs < 2 * paymentDeadlineMs) problems.push(`PAYMENT_LEASE_MS must be at least twice PAYMENT_DEADLINE_MS (${2 * paymentDeadlineMs}; got ${paymentLeaseMs})`);
  const httpRequestTimeoutMs = int('HTTP_REQUEST_TIMEOUT_MS', paymentDeadlineMs + 2000, 1);
  const httpConnectionTimeoutMs = int('HTTP_CONNECTION_TIMEOUT_MS', paymentDeadlineMs + 5000, 1);
  for (const [name, value] of [['HTTP_REQUEST_TIMEOUT_MS', httpRequestTimeoutMs], ['HTTP_CONNECTION_TIMEOUT_MS', httpConnectionTimeoutMs]] as const) {
    if (value <= paymentDeadlineMs) problems.push(`${name} must be above PAYMENT_DEADLINE_MS (${paymentDeadlineMs}; got ${value})`);
  }
  const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // Checked with the rest: a bad form is a line of this message, not a hang or a crash later.
  try {
    parseRedisUrl(redisUrl);
  } catch (error) {
    if (!(error instanceof InvalidRedisUrlError)) throw error;
    problems.push(`REDIS_URL: ${error.problem} (got ${error.url})`);
  }
  let replicaWait = REPLICA_WAIT_OFF;
  try {
    replicaWait = readReplicaWaitSettings(env);
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    problems.push(...error.problems);
  }
  const config: AppConfig = {
    port: int('PORT', 3001, 0),
    host: env.HOST ?? '127.0.0.1',
    redisUrl,
    instanceId: instanceIdFrom(env),
    simUrl: (env.SIM_URL ?? 'http://127.0.0.1:4000').replace(/\/$/, ''),
    auth: loadAuthSettings(env, problems, int),
    keyPrefix: env.KEY_PREFIX ?? '',
    inventoryFallback,
    paymentDeadlineMs,
    paymentLeaseMs,
    paymentRetentionMs: int('PAYMENT_RETENTION_DAYS', DEFAULT_PAYMENT_RETENTION_DAYS, 0) * DAY_MS,
    auditExportFile: env.AUDIT_EXPORT_FILE ?? 'audit-export.jsonl',
    jobLockMs: int('JOB_LOCK_MS', 5000, 1000),
    logLevel: isLogLevel(logLevel) ? logLevel : DEFAULT_LOG_LEVEL,
    httpRequestTimeoutMs,
    httpConnectionTimeoutMs,
    downstreamAnswerMaxBytes: int('DOWNSTREAM_ANSWER_MAX_BYTES', DEFAULT_MAX_ANSWER_BYTES, 1024),
    notifyRate: { limit: int('NOTIFY_RATE_LIMIT', DEFAULT_NOTIFY_RATE_LIMIT, 1), windowMs: int('NOTIFY_RATE_WINDOW_MS', DEFAULT_NOTIFY_RATE_WINDOW_MS, 1000) },
    downstreams: loadDownstreamSettings(env),
    replicaWait,
    tracing: tracingEnabled(env),
  };
  if (problems.length > 0) throw new InvalidConfigError('payment-api environment', problems);
  return config;
}
