// Starts a whole fleet in dependency order: Redis (unless one is given) and the simulator, then
// the payment-api instances, then nginx in front of them. Each step waits for readiness.
import { join } from 'node:path';
import type { FleetOptions } from './fleet-options';
import { checkLoadBalancerPrerequisites, startLoadBalancer } from './parts/load-balancer';
import type { PartContext } from './parts/part-context';
import { startPaymentApi } from './parts/payment-api';
import { startRedis } from './parts/redis';
import { startSimulator } from './parts/simulator';
import { PortAllocator } from './ports';
import { describeExit, type ManagedProcess, type Supervisor } from './supervisor';

/** The contract's JSON (architecture.md section 4), then what this launcher adds. */
export interface FleetReady {
  lb: string;
  instances: string[];
  redis: string;
  sim: string;
  /** Additions: the pid of every process the launcher started (and its own), and its directory. */
  pids: Record<string, number>;
  dir: string;
}

export interface LaunchSettings {
  options: FleetOptions;
  adminToken: string;
  dir: string;
  supervisor: Supervisor;
  log: (message: string) => void;
}

export const AUDIT_EXPORT_FILE_NAME = 'audit-export.jsonl';

export async function launchFleet(settings: LaunchSettings): Promise<FleetReady> {
  const { options, supervisor, log, dir } = settings;
  const nginx = await checkLoadBalancerPrerequisites(options.lbPort);
  const context: PartContext = { supervisor, ports: new PortAllocator(), dir, log };
  const started: ManagedProcess[] = [];

  const [redis, sim] = await Promise.all([
    options.redisUrl === undefined ? startRedis(context).then((part) => (started.push(part.process), part.value)) : Promise.resolve(options.redisUrl),
    startSimulator(context).then((part) => (started.push(part.process), part.value)),
  ]);
  log(`redis ${redis}, sim ${sim}; starting ${options.instances} payment-api instance(s)`);

  const instanceParts = await Promise.all(
    Array.from({ length: options.instances }, (_, i) =>
      startPaymentApi(context, {
        index: i + 1,
        redisUrl: redis,
        simUrl: sim,
        adminToken: settings.adminToken,
        keyPrefix: options.keyPrefix,
        auditExportFile: join(dir, AUDIT_EXPORT_FILE_NAME),
      }),
    ),
  );
  started.push(...instanceParts.map((part) => part.process));
  const instances = instanceParts.map((part) => part.value);

  const lbPart = await startLoadBalancer(context, nginx, options.lbPort, instances);
  started.push(lbPart.process);

  // After READY a part that dies is reported, not fatal: chaos tests kill instances and Redis
  // on purpose, and the rest of the fleet must go on.
  for (const part of started) {
    void part.exited.then((exit) => {
      if (!supervisor.isStopping) log(`${part.name} (pid ${part.pid}) ${describeExit(exit)}; the rest of the fleet keeps running`);
    });
  }

  const pids: Record<string, number> = { fleet: process.pid };
  for (const part of started) if (part.pid !== undefined) pids[part.name] = part.pid;
  return { lb: lbPart.value, instances, redis, sim, pids, dir };
}
