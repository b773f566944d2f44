import { DEFAULT_AUTH_FAILURE_WINDOW_MS, DEFAULT_AUTH_MAX_FAILURES, type FailedAttemptSettings } from './failed-attempts';
import { TrustedProxies } from './client-address';
import { CLIENT_AUTH_MODES, ClientKeys, type ClientAuthMode } from './client-keys';

/** `token`: GET /breakers, /queues and /metrics need a token; `off`: anyone may read them. */
export type OperatorAuthMode = 'token' | 'off';
export const OPERATOR_AUTH_MODES: readonly OperatorAuthMode[] = ['token', 'off'];
export const DEFAULT_OPERATOR_AUTH: OperatorAuthMode = 'token';
/** Shorter secrets are refused at start-up: 32 random characters are out of reach of any guessing. */
export const MIN_SECRET_LENGTH = 32;

export interface AuthSettings {
  /** ADMIN_TOKEN: admin actions, and operator reads; without it the admin endpoints are off (404). */
  adminToken: string | undefined;
  /** METRICS_TOKEN: GET /metrics only, for a scraper that should hold nothing more. */
  metricsToken: string | undefined;
  operatorAuth: OperatorAuthMode;
  /** TRUSTED_PROXIES: whose X-Real-IP names the client (the load balancer's addresses). */
  trustedProxies: TrustedProxies;
  failures: FailedAttemptSettings;
  /** CLIENT_AUTH: whether paying and reading payments needs a client's API key. */
  clientAuth: ClientAuthMode;
  /** CLIENT_API_KEYS: each client's key, as its SHA-256. */
  clientKeys: ClientKeys;
}

/** A secret setting under MIN_SECRET_LENGTH: the instance does not start. */
export class SecretTooShortError extends Error {
  override readonly name = 'SecretTooShortError';
  readonly code = 'CONFIG_SECRET_TOO_SHORT';

  constructor(
    readonly setting: string,
    readonly length: number,
  ) {
    super(`${setting} must be at least ${MIN_SECRET_LENGTH} characters (it has ${length}); generate one with: openssl rand -hex 32`);
  }
}

type IntReader = (name: string, fallback: number, min: number) => number;

/** Reads the auth settings; bad values go to `problems`, a short secret throws at once. */
export function loadAuthSettings(env: NodeJS.ProcessEnv, problems: string[], int: IntReader): AuthSettings {
  const adminToken = secret(env, 'ADMIN_TOKEN');
  const metricsToken = secret(env, 'METRICS_TOKEN');
  const mode = (env.OPERATOR_AUTH === undefined || env.OPERATOR_AUTH === '' ? DEFAULT_OPERATOR_AUTH : env.OPERATOR_AUTH.toLowerCase()) as OperatorAuthMode;
  if (!OPERATOR_AUTH_MODES.includes(mode)) problems.push(`OPERATOR_AUTH must be one of ${OPERATOR_AUTH_MODES.join(', ')} (got ${JSON.stringify(env.OPERATOR_AUTH)})`);
  let trustedProxies = new TrustedProxies([]);
  try {
    trustedProxies = new TrustedProxies((env.TRUSTED_PROXIES ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''));
  } catch (error) {
    problems.push(`TRUSTED_PROXIES must be a comma-separated list of addresses or CIDR ranges: ${(error as Error).message}`);
  }
  const clientAuth = (env.CLIENT_AUTH === undefined || env.CLIENT_AUTH === '' ? 'off' : env.CLIENT_AUTH.toLowerCase()) as ClientAuthMode;
  if (!CLIENT_AUTH_MODES.includes(clientAuth)) problems.push(`CLIENT_AUTH must be one of ${CLIENT_AUTH_MODES.join(', ')} (got ${JSON.stringify(env.CLIENT_AUTH)})`);
  const clientKeys = ClientKeys.parse(env.CLIENT_API_KEYS, problems);
  if (clientAuth === 'api-key' && clientKeys.size === 0) problems.push('CLIENT_AUTH=api-key needs CLIENT_API_KEYS (<client id>:<sha256 of its key>, comma-separated)');
  return {
    clientAuth: CLIENT_AUTH_MODES.includes(clientAuth) ? clientAuth : 'off',
    clientKeys,
    adminToken,
    metricsToken,
    operatorAuth: OPERATOR_AUTH_MODES.includes(mode) ? mode : DEFAULT_OPERATOR_AUTH,
    trustedProxies,
    failures: { maxFailures: int('AUTH_MAX_FAILURES', DEFAULT_AUTH_MAX_FAILURES, 1), windowMs: int('AUTH_FAILURE_WINDOW_MS', DEFAULT_AUTH_FAILURE_WINDOW_MS, 1000) },
  };
}

function secret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (value.length < MIN_SECRET_LENGTH) throw new SecretTooShortError(name, value.length);
  return value;
}
