// Starts a whole fleet in dependency order: Redis (unless one is given) and the simulator, then
// the payment-api instances, then nginx in front of them. Each step waits for readiness. After
// READY, Redis, the simulator and every instance are started again when they exit on their own
// (restarter.ts); nginx is only reported (docs/fleet.md, "Restarts").
import { join } from 'node:path';
import type { FleetOptions } from './fleet-options';
import { instanceHookFromEnv } from './instance-hook';
import { checkLoadBalancerPrerequisites, startLoadBalancer } from './parts/load-balancer';
import type { PartContext, RestartablePart } from './parts/part-context';
import { startPaymentApi } from './parts/payment-api';
import { startRedis, type FleetRedisAuth } from './parts/redis';
import { startSimulator } from './parts/simulator';
import { PortAllocator } from './ports';
import { startReadinessRouting } from './readiness-router';
import type { ReadinessRoutingSettings } from './readiness-routing-settings';
import { keepRestarting } from './restarter';
import { reloadWithDown } from './nginx-reload';
import type { RestartPolicy } from './restart-policy';
import { RestartStatus } from './restart-status';
import { ROUTING_STATUS_FILE_NAME, RoutingStatus } from './routing-status';
import { FLEET_REDIS_APP_USER, newSecret, withCredentials, withoutCredentials, writePrivateFile } from './secrets';
import { describeExit, type ManagedProcess, type Supervisor } from './supervisor';

/** The contract's JSON (architecture.md section 4), then what this launcher adds. */
export interface FleetReady {
  lb: string;
  instances: string[];
  redis: string;
  sim: string;
  /**
   * Additions: the pid of every process the launcher started (and its own), its directory, and
   * the file (mode 0600) holding the Redis URL the instances use, credentials included: `redis`
   * above never carries them.
   */
  pids: Record<string, number>;
  dir: string;
  redisUrlFile: string;
  /** routing.json: which instances nginx routes to (readiness routing, docs/fleet.md); set by the launcher. */
  routingFile?: string;
}

export interface LaunchSettings {
  options: FleetOptions;
  adminToken: string;
  /** GET /metrics also takes it (METRICS_TOKEN); undefined: the admin token only. */
  metricsToken: string | undefined;
  dir: string;
  supervisor: Supervisor;
  log: (message: string) => void;
  restartPolicy: RestartPolicy;
  readinessRouting: ReadinessRoutingSettings;
}

export const AUDIT_EXPORT_FILE_NAME = 'audit-export.jsonl';
export const REDIS_URL_FILE_NAME = 'redis-url';

export async function launchFleet(settings: LaunchSettings): Promise<FleetReady> {
  const { options, supervisor, log, dir } = settings;
  const nginx = await checkLoadBalancerPrerequisites(options.lbPort);
  const context: PartContext = { supervisor, ports: new PortAllocator(), dir, log };
  const started: ManagedProcess[] = [];
  const restartable: RestartablePart<string>[] = [];
  const keep = (part: RestartablePart<string>): string => {
    started.push(part.process);
    restartable.push(part);
    return part.value;
  };

  // Passwords of this run only: a fleet started again gets new ones.
  const redisAuth: FleetRedisAuth = { adminPassword: newSecret(), app: { user: FLEET_REDIS_APP_USER, password: newSecret() } };
  const [redisAddress, sim] = await Promise.all([
    options.redisUrl === undefined ? startRedis(context, redisAuth).then(keep) : Promise.resolve(options.redisUrl),
    startSimulator(context).then(keep),
  ]);
  const appRedisUrl = options.redisUrl ?? withCredentials(redisAddress, redisAuth.app.user, redisAuth.app.password);
  const redis = withoutCredentials(redisAddress);
  const redisUrlFile = join(dir, REDIS_URL_FILE_NAME);
  await writePrivateFile(redisUrlFile, `${appRedisUrl}\n`);
  log(`redis ${redis} (with its credentials in ${redisUrlFile}), sim ${sim}; starting ${options.instances} payment-api instance(s)`);

  const hook = instanceHookFromEnv();
  if (hook !== undefined) log(`FLEET_INSTANCE_HOOK for ${hook.instance}${hook.netns === undefined ? '' : ` (network namespace ${hook.netns.name}, ${hook.netns.address})`}${hook.env === undefined ? '' : ` (environment: ${Object.keys(hook.env).join(', ')})`}`);
  const instanceParts = await Promise.all(
    Array.from({ length: options.instances }, (_, i) =>
      startPaymentApi(context, {
        index: i + 1,
        redisUrl: appRedisUrl,
        simUrl: sim,
        adminToken: settings.adminToken,
        metricsToken: settings.metricsToken,
        operatorAuth: options.operatorAuth,
        keyPrefix: options.keyPrefix,
        auditExportFile: join(dir, AUDIT_EXPORT_FILE_NAME),
        hook,
      }),
    ),
  );
  const instances = instanceParts.map(keep);

  const lbPart = await startLoadBalancer(context, nginx, options.lbPort, instances);
  started.push(lbPart.process);

  // After READY a part that dies is not fatal: chaos tests kill instances and Redis on purpose.
  // Each one the others depend on by address is started again there; nginx is only reported.
  const status = RestartStatus.inDir(dir, log);
  const restarter = { policy: settings.restartPolicy, log, status, stopSignal: supervisor.stopSignal };
  // restarts.json exists before READY, with every restarted part at 0.
  await Promise.all(restartable.map((part) => status.update(part.process.name, { restarts: 0, pid: part.process.pid ?? null, up: true })));
  for (const part of restartable) void keepRestarting({ name: part.process.name, process: part.process, restart: part.restart }, restarter);
  // routing.json exists before READY, every instance ready and routed.
  const routingFile = join(dir, ROUTING_STATUS_FILE_NAME);
  const routedInstances = instanceParts.map((part) => ({ name: part.process.name, url: part.value, address: new URL(part.value).host }));
  const routingStatus = RoutingStatus.inDir(dir, log, {
    enabled: settings.readinessRouting.enabled,
    instances: Object.fromEntries(routedInstances.map((instance) => [instance.name, { ready: true, routed: true }])),
    noneReady: false,
    reloads: 0,
  });
  await routingStatus.update((state) => state);
  if (settings.readinessRouting.enabled) {
    startReadinessRouting({
      instances: routedInstances,
      settings: settings.readinessRouting,
      reload: (down) => reloadWithDown(lbPart.setup, lbPart.process.pid, down),
      status: routingStatus,
      log,
      isRestarting: (name) => !status.isUp(name),
      stopSignal: supervisor.stopSignal,
    });
  }
  void lbPart.process.exited.then((exit) => {
    if (!supervisor.isStopping) log(`lb (pid ${lbPart.process.pid}) ${describeExit(exit)}; not restarted (its worker may still hold the port), the rest of the fleet keeps running`);
  });

  const pids: Record<string, number> = { fleet: process.pid };
  for (const part of started) if (part.pid !== undefined) pids[part.name] = part.pid;
  return { lb: lbPart.value, instances, redis, sim, pids, dir, redisUrlFile, routingFile };
}
