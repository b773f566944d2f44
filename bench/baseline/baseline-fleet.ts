// The bare gateway's fleet, built from the fleet launcher's own parts so that only the gateway
// differs: the same redis-server configuration (AOF everysec, noeviction, an ACL user), the same
// simulator, the same nginx template in front, N bare-gateway instances (bare-gateway.ts).
//   node --import tsx bench/baseline/baseline-fleet.ts [--instances N] [--port P]
// Prints `FLEET READY {json}` (the launcher's shape: lb, instances, redis, sim, pids, dir,
// redisUrlFile) and stops everything on SIGINT or SIGTERM. Nothing is restarted.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkLoadBalancerPrerequisites, startLoadBalancer } from '../../scripts/fleet/parts/load-balancer';
import { REPO_ROOT, startPart, tsChildEnv, withPortRetry, type PartContext } from '../../scripts/fleet/parts/part-context';
import { readyUrl } from '../../scripts/fleet/parts/simulator';
import { startRedis } from '../../scripts/fleet/parts/redis';
import { startSimulator } from '../../scripts/fleet/parts/simulator';
import { LOOPBACK, PortAllocator } from '../../scripts/fleet/ports';
import { partError, waitForLine } from '../../scripts/fleet/readiness';
import { FLEET_REDIS_APP_USER, newSecret, withCredentials, withoutCredentials, writePrivateFile } from '../../scripts/fleet/secrets';
import { Supervisor, type ManagedProcess } from '../../scripts/fleet/supervisor';
import type { FleetReady } from '../../scripts/fleet/launch-fleet';

const BARE_MAIN = join(REPO_ROOT, 'bench', 'baseline', 'bare-gateway.ts');
const READY_LINE = /^API READY (\{.*\})\s*$/;
const START_TIMEOUT_MS = 60_000;
/** Preferred ports: next to the payment-api's 3001.. so both fleets can run at once. */
const FIRST_PORT = 3101;

const { values } = parseArgs({ options: { instances: { type: 'string', default: '3' }, port: { type: 'string', default: '8090' } } });
const INSTANCES = Number(values.instances);
const LB_PORT = Number(values.port);

function startBare(context: PartContext, index: number, redisUrl: string, simUrl: string): Promise<{ process: ManagedProcess; value: string }> {
  const name = `bare-${index}`;
  return withPortRetry(context, name, FIRST_PORT + index - 1, (port) =>
    startPart(
      context,
      {
        name,
        command: process.execPath,
        args: ['--import', 'tsx', BARE_MAIN],
        cwd: REPO_ROOT,
        env: tsChildEnv({ PORT: String(port), HOST: LOOPBACK, INSTANCE_ID: name, REDIS_URL: redisUrl, SIM_URL: simUrl, AUDIT_EXPORT_FILE: join(context.dir, 'bare-audit-export.jsonl') }),
        stopOrder: 2,
      },
      async (part) => {
        const url = readyUrl(await waitForLine(part, READY_LINE, START_TIMEOUT_MS));
        if (url === undefined) throw partError(part, 'its API READY line has no url');
        return url;
      },
    ),
  );
}

async function main(): Promise<void> {
  const supervisor = new Supervisor();
  const dir = await mkdtemp(join(tmpdir(), 'breakwater-bare-fleet-'));
  const log = (message: string): void => void process.stderr.write(`[bare-fleet] ${message}\n`);
  const stop = async (code: number): Promise<void> => {
    await supervisor.stopAll();
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0));
  try {
    const nginx = await checkLoadBalancerPrerequisites(LB_PORT);
    const context: PartContext = { supervisor, ports: new PortAllocator(), dir, log };
    const auth = { adminPassword: newSecret(), app: { user: FLEET_REDIS_APP_USER, password: newSecret() } };
    const [redis, sim] = await Promise.all([startRedis(context, auth), startSimulator(context)]);
    const redisUrl = withCredentials(redis.value, auth.app.user, auth.app.password);
    const redisUrlFile = join(dir, 'redis-url');
    await writePrivateFile(redisUrlFile, `${redisUrl}\n`);
    const instances = await Promise.all(Array.from({ length: INSTANCES }, (_, i) => startBare(context, i + 1, redisUrl, sim.value)));
    const lb = await startLoadBalancer(context, nginx, LB_PORT, instances.map((i) => i.value));
    const pids: Record<string, number> = { fleet: process.pid };
    for (const part of [redis, sim, ...instances, lb]) if (part.process.pid !== undefined) pids[part.process.spec.name] = part.process.pid;
    const ready: FleetReady = { lb: lb.value, instances: instances.map((i) => i.value), redis: withoutCredentials(redis.value), sim: sim.value, pids, dir, redisUrlFile };
    process.stdout.write(`FLEET READY ${JSON.stringify(ready)}\n`);
  } catch (error) {
    log(`start-up failed: ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
}

void main();
