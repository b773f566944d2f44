// One payment-api instance (apps/payment-api): ready once it printed `API READY {"url"}` and
// GET /health/ready answers 200 (Redis reachable, a provider usable). Started again after READY
// (restarter.ts), it is up once it answers GET /health/live on its port: liveness never depends on
// Redis, and a restart must not wait for a Redis that is down.
import { join } from 'node:path';
import { DEFAULT_FIRST_INSTANCE_PORT, type FleetOperatorAuth } from '../fleet-options';
import { throughHost, type InstanceHook } from '../instance-hook';
import { LOOPBACK } from '../ports';
import { partError, waitForHttpOk, waitForLine } from '../readiness';
import { REPO_ROOT, startPart, tsChildEnv, withPortRetry, type PartContext, type RestartablePart } from './part-context';
import { readyUrl } from './simulator';

const API_MAIN = join(REPO_ROOT, 'apps', 'payment-api', 'src', 'main.ts');
/** Generous: N NestJS apps compile and boot at once on a small machine. */
const API_START_TIMEOUT_MS = 120_000;
const READY_LINE = /^API READY (\{.*\})\s*$/;
export const API_STOP_ORDER = 2;

export interface InstanceSettings {
  /** 1-based: instance n is `api-<n>` and prefers port 3000 + n. */
  index: number;
  redisUrl: string;
  simUrl: string;
  adminToken: string;
  /** Passed on when set: GET /metrics also takes it. */
  metricsToken: string | undefined;
  operatorAuth: FleetOperatorAuth;
  keyPrefix: string;
  /** One file for the whole fleet: the audit-export queue runs one job at a time fleet-wide. */
  auditExportFile: string;
  /** FLEET_INSTANCE_HOOK (instance-hook.ts): applies when it names this instance. */
  hook?: InstanceHook;
}

export function instanceId(index: number): string {
  return `api-${index}`;
}

export function startPaymentApi(context: PartContext, settings: InstanceSettings): Promise<RestartablePart<string>> {
  const name = instanceId(settings.index);
  const hook = settings.hook?.instance === name ? settings.hook : undefined;
  const netns = hook?.netns;
  const host = netns?.address ?? LOOPBACK;
  const nodeArgs = ['--import', 'tsx', API_MAIN];
  return withPortRetry(context, name, DEFAULT_FIRST_INSTANCE_PORT + settings.index - 1, (port, restarting) =>
    startPart(
      context,
      {
        name,
        // `ip netns exec` execs the command: the pid is still the instance's own.
        command: netns === undefined ? process.execPath : 'ip',
        args: netns === undefined ? nodeArgs : ['netns', 'exec', netns.name, process.execPath, ...nodeArgs],
        cwd: REPO_ROOT,
        env: tsChildEnv({
          PORT: String(port),
          HOST: host,
          INSTANCE_ID: name,
          REDIS_URL: netns === undefined ? settings.redisUrl : throughHost(settings.redisUrl, netns),
          SIM_URL: netns === undefined ? settings.simUrl : throughHost(settings.simUrl, netns),
          ADMIN_TOKEN: settings.adminToken,
          ...(settings.metricsToken === undefined ? {} : { METRICS_TOKEN: settings.metricsToken }),
          OPERATOR_AUTH: settings.operatorAuth,
          // nginx reaches the instances from loopback and sets X-Real-IP to the client's address.
          TRUSTED_PROXIES: netns?.hostAddress ?? LOOPBACK,
          KEY_PREFIX: settings.keyPrefix,
          AUDIT_EXPORT_FILE: settings.auditExportFile,
          ...hook?.env,
        }),
        stopOrder: API_STOP_ORDER,
      },
      async (part) => {
        const url = readyUrl(await waitForLine(part, READY_LINE, API_START_TIMEOUT_MS));
        if (url === undefined) throw partError(part, 'its API READY line has no url');
        if (restarting && url !== `http://${host}:${port}`) throw partError(part, `it listens on ${url}, not on port ${port} where nginx sends its requests`);
        await waitForHttpOk(part, `${url}${restarting ? '/health/live' : '/health/ready'}`, API_START_TIMEOUT_MS);
        return url;
      },
    ),
  );
}
