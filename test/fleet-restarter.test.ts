// The fleet launcher's restart rule (scripts/fleet/restarter.ts, docs/fleet.md "Restarts"), with
// stand-in processes: given a part that exits on its own after READY, then it is started again
// after a backoff that doubles up to a cap and starts over once the part stayed up, each restart
// is one stderr line and a count in restarts.json, a part that keeps failing to come up is tried
// again (saying why) rather than given up, and a stop ends every wait without a restart.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PartStartError } from '../scripts/fleet/readiness';
import { keepRestarting, type RunningProcess } from '../scripts/fleet/restarter';
import { DEFAULT_RESTART_POLICY, RestartBackoff, restartPolicyFromEnv, type RestartPolicy } from '../scripts/fleet/restart-policy';
import { RESTART_STATUS_FILE_NAME, RestartStatus, type RestartStatusFile } from '../scripts/fleet/restart-status';
import { UsageError } from '../scripts/fleet/fleet-options';
import type { ChildExit } from '../scripts/fleet/supervisor';
import { waitFor } from './support/wait-for';

class FakeProcess implements RunningProcess {
  readonly exited: Promise<ChildExit>;
  exit!: (exit: ChildExit) => void;

  constructor(readonly pid: number) {
    this.exited = new Promise((resolve) => (this.exit = resolve));
  }
}

/** Short real waits; the clock the restarter reads for uptimes is ours. */
const POLICY: RestartPolicy = { firstDelayMs: 5, maxDelayMs: 40, stableAfterMs: 1_000 };
const notUp = (): PartStartError => new PartStartError('api-2', 'it exited with code 1 before printing a line matching /^API READY/', ['boom']);

let dir: string;
let lines: string[];
let clock: number;
let stop: AbortController;
let status: RestartStatus;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-restarter-'));
  lines = [];
  clock = 0;
  stop = new AbortController();
  status = RestartStatus.inDir(dir, (message) => lines.push(`status: ${message}`));
});

afterEach(async () => {
  stop.abort();
  await rm(dir, { recursive: true, force: true, maxRetries: 5 }); // a status write may still be landing
});

function keep(first: FakeProcess, restart: () => Promise<RunningProcess>, policy = POLICY): Promise<void> {
  return keepRestarting({ name: 'api-2', process: first, restart }, { policy, log: (line) => lines.push(line), status, stopSignal: stop.signal, now: () => clock });
}

async function statusFile(): Promise<RestartStatusFile> {
  return JSON.parse(await readFile(join(dir, RESTART_STATUS_FILE_NAME), 'utf8')) as RestartStatusFile;
}

describe('RestartBackoff', () => {
  it('doubles from the first delay up to the cap, and starts over after a stable run', () => {
    const backoff = new RestartBackoff(DEFAULT_RESTART_POLICY);
    expect([0, 0, 0, 0, 0, 0, 0].map((uptime) => backoff.delayAfter(uptime))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    expect(backoff.delayAfter(9_999)).toBe(10_000);
    expect(backoff.delayAfter(10_000)).toBe(500);
    expect(backoff.delayAfter(0)).toBe(1_000);
  });

  it('takes its first delay from FLEET_RESTART_DELAY_MS, and refuses a bad one', () => {
    expect(restartPolicyFromEnv({})).toEqual(DEFAULT_RESTART_POLICY);
    expect(restartPolicyFromEnv({ FLEET_RESTART_DELAY_MS: '3000' })).toEqual({ ...DEFAULT_RESTART_POLICY, firstDelayMs: 3_000 });
    expect(() => restartPolicyFromEnv({ FLEET_RESTART_DELAY_MS: '0' })).toThrow(UsageError);
    expect(() => restartPolicyFromEnv({ FLEET_RESTART_DELAY_MS: 'soon' })).toThrow(/FLEET_RESTART_DELAY_MS/);
  });
});

describe('keepRestarting', () => {
  it('starts a killed part again after the first delay, says so in two lines and counts it in restarts.json', async () => {
    const first = new FakeProcess(123);
    const second = new FakeProcess(456);
    const third = new FakeProcess(789);
    const restart = jest.fn().mockResolvedValueOnce(second).mockResolvedValueOnce(third);
    void keep(first, restart);
    first.exit({ code: null, signal: 'SIGKILL' });
    await waitFor(() => lines.length >= 2, { description: 'the restart lines' });
    expect(lines).toEqual(['api-2 (pid 123) was killed by SIGKILL; restart 1 in 5 ms', 'api-2 restarted (pid 456), restart 1']);
    expect(restart).toHaveBeenCalledTimes(1);
    await waitFor(async () => (await statusFile()).parts['api-2']?.pid === 456, { description: 'restarts.json naming pid 456' });
    expect((await statusFile()).parts).toEqual({ 'api-2': { restarts: 1, pid: 456, up: true, lastExit: 'was killed by SIGKILL' } });

    // A clean exit is an exit on its own too.
    second.exit({ code: 0, signal: null });
    await waitFor(() => lines.length >= 4, { description: 'the second restart' });
    expect(lines.slice(2)).toEqual(['api-2 (pid 456) exited with code 0; restart 2 in 10 ms', 'api-2 restarted (pid 789), restart 2']);
  });

  it('keeps trying a part that does not come up, with doubling waits up to the cap, saying why each time', async () => {
    const first = new FakeProcess(1);
    const up = new FakeProcess(2);
    let attempts = 0;
    void keep(first, async () => {
      attempts += 1;
      if (attempts < 5) throw notUp();
      return up;
    });
    first.exit({ code: 1, signal: null });
    await waitFor(() => lines.some((line) => line.includes('restarted')), { description: 'the fifth attempt to succeed' });
    expect(lines).toEqual([
      'api-2 (pid 1) exited with code 1; restart 1 in 5 ms',
      'api-2 restart 1 failed: it exited with code 1 before printing a line matching /^API READY/; restart 2 in 10 ms',
      'api-2 restart 2 failed: it exited with code 1 before printing a line matching /^API READY/; restart 3 in 20 ms',
      'api-2 restart 3 failed: it exited with code 1 before printing a line matching /^API READY/; restart 4 in 40 ms',
      'api-2 restart 4 failed: it exited with code 1 before printing a line matching /^API READY/; restart 5 in 40 ms',
      'api-2 restarted (pid 2), restart 5',
    ]);
  });

  it('waits the first delay again once the part stayed up long enough', async () => {
    const processes = [new FakeProcess(1), new FakeProcess(2), new FakeProcess(3), new FakeProcess(4)];
    let next = 1;
    void keep(processes[0]!, async () => processes[next++]!);
    processes[0]!.exit({ code: 1, signal: null });
    await waitFor(() => lines.length >= 2);
    processes[1]!.exit({ code: 1, signal: null }); // up for no time: the wait doubles
    await waitFor(() => lines.length >= 4);
    clock += POLICY.stableAfterMs; // up for a while: back to the first delay
    processes[2]!.exit({ code: 1, signal: null });
    await waitFor(() => lines.length >= 6);
    expect(lines.filter((line) => line.includes(' in '))).toEqual([
      'api-2 (pid 1) exited with code 1; restart 1 in 5 ms',
      'api-2 (pid 2) exited with code 1; restart 2 in 10 ms',
      'api-2 (pid 3) exited with code 1; restart 3 in 5 ms',
    ]);
  });

  it('ends the wait without a restart when the fleet stops', async () => {
    const first = new FakeProcess(1);
    const restart = jest.fn(async () => new FakeProcess(2));
    const kept = keep(first, restart, { ...POLICY, firstDelayMs: 60_000 });
    first.exit({ code: null, signal: 'SIGKILL' });
    await waitFor(() => lines.length >= 1);
    stop.abort();
    await kept; // would take a minute without the stop
    expect(restart).not.toHaveBeenCalled();
    expect(lines).toEqual(['api-2 (pid 1) was killed by SIGKILL; restart 1 in 60000 ms']);
  });

  it('neither reports nor restarts a part that exits because the fleet stops', async () => {
    const first = new FakeProcess(1);
    const restart = jest.fn(async () => new FakeProcess(2));
    const kept = keep(first, restart);
    stop.abort();
    first.exit({ code: 0, signal: null });
    await kept;
    expect(restart).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });
});
