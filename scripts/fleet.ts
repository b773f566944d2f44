// The fleet launcher (architecture.md section 4, docs/fleet.md):
//   npm run fleet -- [--instances N] [--port P] [--redis-url URL] [--key-prefix P] [--dir D]
// Starts redis-server, the downstream simulator, N payment-api instances and nginx on 127.0.0.1,
// prints one line `FLEET READY {json}` on stdout when all are healthy, and on SIGINT or SIGTERM
// stops everything it started and exits 0. Its own messages and every child's output lines
// (prefixed with the part's name) go to stderr. Secrets come from the environment and go to the
// parts by environment or private files (scripts/fleet/secrets.ts), never to stdout or stderr.
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseFleetOptions, USAGE, UsageError, type FleetOptions } from './fleet/fleet-options';
import { launchFleet } from './fleet/launch-fleet';
import { READINESS_ROUTING_USAGE, readinessRoutingFromEnv, type ReadinessRoutingSettings } from './fleet/readiness-routing-settings';
import { restartPolicyFromEnv, type RestartPolicy } from './fleet/restart-policy';
import { newSecret, PRIVATE_UMASK, writePrivateFile } from './fleet/secrets';
import { Supervisor } from './fleet/supervisor';

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function log(message: string): void {
  process.stderr.write(`[fleet] ${message}\n`);
}

function readOptions(): { options: FleetOptions; restartPolicy: RestartPolicy; readinessRouting: ReadinessRoutingSettings } {
  try {
    const options = parseFleetOptions(process.argv.slice(2));
    if (options === undefined) {
      process.stdout.write(`${USAGE}\n${READINESS_ROUTING_USAGE}\n`);
      process.exit(0);
    }
    return { options, restartPolicy: restartPolicyFromEnv(), readinessRouting: readinessRoutingFromEnv() };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`fleet: ${error.message}\n${USAGE}\n${READINESS_ROUTING_USAGE}\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const { options, restartPolicy, readinessRouting } = readOptions();
  // Before anything is created: the fleet's files (nginx config, Redis config and AOF, tokens,
  // logs) and those its children create are private.
  process.umask(PRIVATE_UMASK);
  const supervisor = new Supervisor();
  const keepDir = options.dir !== undefined;
  const dir = keepDir ? resolve(options.dir ?? '.') : await mkdtemp(join(tmpdir(), 'breakwater-fleet-'));
  // A --dir that exists keeps its mode (it may be a shared directory); one made here is 0700.
  if ((await mkdir(dir, { recursive: true })) !== undefined) await chmod(dir, 0o700);

  let stopping: Promise<void> | undefined;
  const stop = (exitCode: number): Promise<void> =>
    (stopping ??= (async () => {
      const running = supervisor.running().length;
      if (running > 0) log(`stopping ${running} process(es)`);
      await supervisor.stopAll();
      if (!keepDir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      log(exitCode === 0 ? 'stopped' : 'stopped after a failure');
      process.exit(exitCode);
    })());
  // Installed before anything starts: a signal during start-up stops what has started.
  for (const signal of STOP_SIGNALS) process.on(signal, () => void stop(0));

  log(`working directory ${dir}${keepDir ? ' (kept)' : ' (removed on stop)'}`);

  try {
    const adminToken = options.adminToken ?? newSecret();
    if (options.adminToken === undefined) {
      const tokenFile = join(dir, 'admin-token');
      await writePrivateFile(tokenFile, `${adminToken}\n`);
      log(`ADMIN_TOKEN not set: generated one, in ${tokenFile} (mode 0600)`);
    }
    const metricsToken = process.env.METRICS_TOKEN === '' ? undefined : process.env.METRICS_TOKEN;
    const ready = await launchFleet({ options, adminToken, metricsToken, dir, supervisor, log, restartPolicy, readinessRouting });
    process.stdout.write(`FLEET READY ${JSON.stringify(ready)}\n`);
  } catch (error) {
    if (supervisor.isStopping) return; // a signal arrived during start-up: not a failure
    log(`start-up failed: ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
