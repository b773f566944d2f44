// A payment-api instance SIGKILLed in the middle of a notification job (a real OS process,
// test/jobs/fixtures/jobs-worker.ts): another instance runs the job once the dead worker's lock
// has lapsed, within the documented recovery time (worker-timing.ts), and the notification is
// delivered exactly once.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { NotificationJobData } from '../../apps/payment-api/src/jobs/job-data';
import { worstRecoveryMs } from '../../apps/payment-api/src/jobs/worker-timing';
import { PaymentStatus } from '../../apps/payment-api/src/payments/payment';
import { waitFor } from '../support/wait-for';
import { createWorld, deliveries, instanceEnv, openQueue, requestsTo, setFault, startInstance, type JobsInstance, type World } from './support/jobs-harness';

const ROOT = join(__dirname, '..', '..');
const WORKER_FILE = join(__dirname, 'fixtures', 'jobs-worker.ts');
const JOB_LOCK_MS = 5_000; // the default of config.jobLockMs
/** The notification answers this slowly, so the kill lands while the job runs. */
const SLOW_NOTIFY_MS = 3_000;
/** Scheduling slack on top of the computed bound (timers, a loaded test machine). */
const SLACK_MS = 2_500;

function startWorkerProcess(env: Record<string, string>): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_FILE], { cwd: ROOT, env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'), ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`jobs-worker did not get ready in 20 s\n${stderr}`)), 20_000);
    child.once('exit', (code, signal) => reject(new Error(`jobs-worker exited (${code ?? signal}) before it was ready\n${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('JOBS WORKER READY')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
  });
}

jest.setTimeout(60_000);

describe('a worker killed mid-job', () => {
  let world: World;
  let child: ChildProcessWithoutNullStreams | undefined;
  let survivor: JobsInstance | undefined;

  beforeEach(async () => {
    world = await createWorld('jobs-kill');
  });

  afterEach(async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    child = undefined;
    await survivor?.close();
    survivor = undefined;
    await world.cleanup();
  });

  test('given a notification running in a process that is SIGKILLed, then another instance delivers it, once, within jobLockMs x 1.5', async () => {
    const env = { JOB_LOCK_MS: String(JOB_LOCK_MS), DOWNSTREAM_NOTIFY_EMAIL_TIMEOUT_MS: '10000' };
    const common = { sim: world.sim, keyPrefix: world.keyPrefix, auditFile: world.auditFile, env };
    await setFault(world.sim, 'notify-email', { latencyMs: SLOW_NOTIFY_MS });
    child = await startWorkerProcess(instanceEnv(common));
    // This instance only enqueues for now: the child must be the one that takes the job.
    const producer = await startInstance({ ...common, workers: false });
    const paymentId = randomUUID();
    const jobId = `${paymentId}-email`;
    const queue = openQueue<NotificationJobData>(world, 'notify-email');
    try {
      await producer.jobs.notify({ paymentId, status: PaymentStatus.AUTHORIZED, amount: 1299, currency: 'EUR', notify: { email: 'a@b.c' } });
      await producer.close();
      await waitFor(async () => (await requestsTo(world.sim, 'notify-email')) === 1 && (await queue.getJobState(jobId)) === 'active', { timeoutMs: 10_000, description: 'the child running the job' });

      survivor = await startInstance(common);
      child.kill('SIGKILL');
      await once(child, 'exit');
      const killedAt = performance.now();
      await setFault(world.sim, 'notify-email', { mode: 'up' }); // the rerun answers at the usual speed

      const bound = worstRecoveryMs(JOB_LOCK_MS) + SLACK_MS;
      await waitFor(async () => (await queue.getJobState(jobId)) === 'completed', { timeoutMs: bound + 5_000, intervalMs: 50, description: 'the job done by the survivor' });
      const recoveredInMs = performance.now() - killedAt;
      expect(recoveredInMs).toBeLessThan(bound);

      const job = await queue.getJob(jobId);
      expect(job?.returnvalue).toBe('already-delivered'); // the killed run had delivered it; the rerun was told so
      expect(await requestsTo(world.sim, 'notify-email')).toBe(2);
      expect((await deliveries(world.sim, 'notify-email')).map((d) => d.idempotencyKey)).toEqual([jobId]);
      expect((await survivor.jobs.queueCounts()).find((c) => c.name === 'notify-email')).toMatchObject({ active: 0, failed: 0, deadLetter: 0, completed: 1 });
      process.stdout.write(`recovered ${Math.round(recoveredInMs)} ms after SIGKILL (bound ${bound} ms)\n`);
    } finally {
      await queue.close();
    }
  }, 60_000);
});
