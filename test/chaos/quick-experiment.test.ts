// End to end, the suite's way: its own redis-server, the fault proxy and a fleet of two behind
// nginx, light open-model load, provider A taken down and healed through the simulator. Latency is
// not asserted (the machine is shared); what must hold is the data and the clean-up.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { providerAOutage } from '../../chaos/experiments/provider-a-outage';
import { Cleanups } from '../../chaos/infra/cleanups';
import { isAlive } from '../../chaos/infra/process-signals';
import { writeReport } from '../../chaos/report/write-report';
import { startOwnEnvironment } from '../../chaos/runner/own-environment';
import { runExperiment } from '../../chaos/runner/run-experiment';

jest.setTimeout(150_000);

const cleanups = new Cleanups();
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaos-e2e-'));
});

afterAll(async () => {
  await cleanups.runAll(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

it('given a fleet under load, when provider A goes down and comes back, no payment is lost or charged twice, and everything started is stopped', async () => {
  const own = await startOwnEnvironment({ dir, instances: 2, env: { LOG_LEVEL: 'warn' }, cleanups });
  const pids = [...Object.values(own.env.readyPids), own.env.redis?.pid ?? -1];
  const { result, samples } = await runExperiment(providerAOutage, {
    env: own.env,
    timing: { beforeMs: 5_000, faultMs: 6_000, afterMs: 6_000 },
    ratePerSecond: 20,
    recoveryWindowMs: 20_000,
    auditWaitMs: 40_000,
    log: () => undefined,
    signal: new AbortController().signal,
  });
  await own.stop();

  expect(samples.length).toBe(340);
  expect(result.error).toBeNull();
  expect(result.aborted).toBeNull();
  expect(result.phases.map((p) => p.phase)).toEqual(['before', 'during', 'after']);
  expect(result.timeToDetectMs).not.toBeNull();
  expect(result.unplannedExits).toEqual({});
  expect(result.data?.records.lost).toEqual([]);
  expect(result.data?.ledger.doubleCharged).toEqual([]);
  expect(result.data?.audit.duplicated).toEqual([]);
  expect(result.data?.pendingUnreconciled).toEqual([]);

  const reportDir = join(dir, 'report');
  await writeReport(reportDir, { startedAt: 'now', command: 'jest', quick: true, uptime: '', machine: '' }, [result]);
  expect(await readdir(reportDir)).toEqual(expect.arrayContaining(['report.md', 'results.json', 'provider-a-outage-latency.svg']));
  for (const pid of pids) expect({ pid, alive: isAlive(pid) }).toEqual({ pid, alive: false });
});
