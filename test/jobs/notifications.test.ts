// Notifications on BullMQ against a real Redis and the simulator: delivered once per channel
// however often they are enqueued; a channel that stays down sends the job to its dead-letter
// queue under the same id, and a replay delivers it exactly once once the channel is back.
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { logActivity } from '../../apps/payment-api/src/logging/activity-log';
import { OperatorLog } from '../../apps/payment-api/src/logging/operator-log';
import { PaymentStatus } from '../../apps/payment-api/src/payments/payment';
import type { DeadLetterData, NotificationJobData } from '../../apps/payment-api/src/jobs/job-data';
import { UnknownQueueError } from '../../apps/payment-api/src/jobs/unknown-queue.error';
import { rejectionOf, sleep, waitFor } from '../support/wait-for';
import { clearFaults, createWorld, deliveries, openQueue, setFault, startInstance, type JobsInstance, type World } from './support/jobs-harness';

const FAST_RETRIES = { 'notify-email': { attempts: 3, backoffBaseMs: 50, backoffCapMs: 200 } };

jest.setTimeout(60_000);

describe('notification jobs', () => {
  let world: World;
  let instance: JobsInstance | undefined;

  beforeEach(async () => {
    world = await createWorld('jobs-notify');
  });

  afterEach(async () => {
    await instance?.close();
    instance = undefined;
    await world.cleanup();
  });

  const request = (paymentId: string) => ({ paymentId, status: PaymentStatus.AUTHORIZED, amount: 1299, currency: 'EUR', notify: { email: 'a@b.c', sms: '+4912345', push: 'device-1' } });

  test('given a payment notified twice on three channels, then each channel delivers it exactly once under the job id', async () => {
    instance = await startInstance({ sim: world.sim, keyPrefix: world.keyPrefix, auditFile: world.auditFile });
    const paymentId = randomUUID();

    await instance.jobs.notify(request(paymentId));
    await instance.jobs.notify(request(paymentId));

    for (const channel of ['email', 'sms', 'push'] as const) {
      await waitFor(async () => (await deliveries(world.sim, `notify-${channel}`)).length === 1, { timeoutMs: 10_000, description: `the ${channel} delivery` });
    }
    await sleep(300); // a duplicate job would have been delivered by now
    for (const channel of ['email', 'sms', 'push'] as const) {
      const delivered = await deliveries(world.sim, `notify-${channel}`);
      expect(delivered.map((d) => d.idempotencyKey)).toEqual([`${paymentId}-${channel}`]);
      expect(delivered[0].message).toMatchObject({ paymentId, status: 'AUTHORIZED', amount: 1299, currency: 'EUR' });
    }
    const counts = await instance.jobs.queueCounts();
    for (const name of ['notify-email', 'notify-sms', 'notify-push']) expect(counts.find((c) => c.name === name)).toMatchObject({ completed: 1, failed: 0, deadLetter: 0 });
    expect(counts.map((c) => c.name).sort()).toEqual(['audit-export', 'notify-email', 'notify-push', 'notify-sms', 'payment-reconcile']);
    expect(await instance.metrics.registry.getSingleMetricAsString('breakwater_jobs_total')).toMatch(/breakwater_jobs_total\{queue="notify-email",outcome="completed",instance_id="[^"]+"\} 1/);
  });

  test('given many payments authorized at once, then the outbox enqueues their notifications together, each delivered once, and one destination still gets no more than its limit', async () => {
    instance = await startInstance({ sim: world.sim, keyPrefix: world.keyPrefix, auditFile: world.auditFile });
    const store = instance.gateway.store;
    const authorize = async (email: string): Promise<string> => {
      const id = randomUUID();
      await store.create(id, { id, amount: '1299', currency: 'EUR', customerId: 'c-1', items: '[]', notify: JSON.stringify({ email }) });
      await store.transition(id, PaymentStatus.AUTHORIZED, { provider: 'provider-a' }, 'charged by provider-a');
      return id;
    };
    const own = await Promise.all(Array.from({ length: 20 }, (_, n) => authorize(`buyer-${n}@example.com`)));
    const shared = await Promise.all(Array.from({ length: 12 }, () => authorize('one@example.com'))); // NOTIFY_RATE_LIMIT is 10

    await waitFor(async () => (await deliveries(world.sim, 'notify-email')).length >= 30, { timeoutMs: 15_000, description: 'the deliveries' });
    await sleep(500); // a duplicate, or an eleventh to the shared address, would have come by now
    const delivered = (await deliveries(world.sim, 'notify-email')).map((d) => d.idempotencyKey);
    expect(delivered).toHaveLength(30);
    expect(new Set(delivered).size).toBe(30);
    for (const id of own) expect(delivered).toContain(`${id}-email`);
    expect(shared.filter((id) => delivered.includes(`${id}-email`))).toHaveLength(10);
  });

  test('completed jobs are bounded: a queue keeps its most recent completed jobs (keepCompleted), for at most an hour, not a day of them', async () => {
    instance = await startInstance({ sim: world.sim, keyPrefix: world.keyPrefix, auditFile: world.auditFile, queues: { 'notify-email': { keepCompleted: 3 } } });
    const ids = Array.from({ length: 6 }, () => randomUUID());
    for (const paymentId of ids) await instance.jobs.notify({ ...request(paymentId), notify: { email: 'a@b.c' } });
    await waitFor(async () => (await deliveries(world.sim, 'notify-email')).length === ids.length, { timeoutMs: 10_000, description: 'six emails' });
    const queue = openQueue<NotificationJobData>(world, 'notify-email');
    try {
      // Delivered is not yet finished: wait until no job is still running, so that no completion
      // (and its trimming) happens between the count and the read below.
      const settled = async (): Promise<boolean> => {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed');
        return c.waiting + c.active + c.delayed === 0 && c.completed === 3;
      };
      await waitFor(settled, { timeoutMs: 5_000, description: 'every job finished, three completed jobs kept' });
      const kept = await queue.getCompleted();
      expect(kept).toHaveLength(3);
      expect(kept[0].opts.removeOnComplete).toEqual({ count: 3, age: expect.any(Number) });
      expect((kept[0].opts.removeOnComplete as { age: number }).age).toBeLessThanOrEqual(3600);
    } finally {
      await queue.close();
    }
  });

  test('given notify-email down, when its attempts run out, then the job waits in the dead-letter queue, the operator log says so, and a replay after the fault delivers it once', async () => {
    instance = await startInstance({ sim: world.sim, keyPrefix: world.keyPrefix, auditFile: world.auditFile, queues: FAST_RETRIES });
    const stderr = new PassThrough();
    let logged = '';
    stderr.on('data', (chunk: Buffer) => (logged += chunk.toString('utf8')));
    const activity = logActivity(new OperatorLog('info', { instance: 'jobs-notify' }, stderr), { breakers: [], fleet: instance.gateway.policies.fleet, jobs: instance.jobs });
    await setFault(world.sim, 'notify-email', { mode: 'down' });
    const paymentId = randomUUID();
    const jobId = `${paymentId}-email`;

    await instance.jobs.notify({ ...request(paymentId), notify: { email: 'a@b.c' } });

    await waitFor(async () => (await instance!.jobs.queueCounts()).some((c) => c.name === 'notify-email' && c.deadLetter === 1 && c.failed === 0), { timeoutMs: 10_000, description: 'the job in the dead-letter queue' });
    const dead = openQueue<DeadLetterData>(world, 'notify-email', true);
    const main = openQueue<NotificationJobData>(world, 'notify-email');
    try {
      const letter = await dead.getJob(jobId);
      expect(letter?.data).toMatchObject({ name: 'notify', data: { paymentId, channel: 'email', target: 'a@b.c' }, attemptsMade: 3 });
      expect(letter?.data.lastError).toMatch(/503/);
      expect(await main.getJob(jobId)).toBeUndefined(); // gone from the failed set, so a replay can add the id
      expect(await deliveries(world.sim, 'notify-email')).toEqual([]);
      const metrics = await instance.metrics.registry.metrics();
      expect(metrics).toMatch(/breakwater_queue_dead_letters\{queue="notify-email",instance_id="[^"]+"\} 1/);
      expect(metrics).toMatch(/breakwater_jobs_total\{queue="notify-email",outcome="dead_lettered",instance_id="[^"]+"\} 1/);
      expect(metrics).toMatch(/breakwater_jobs_total\{queue="notify-email",outcome="retried",instance_id="[^"]+"\} 2/);
      expect(logged).toMatch(new RegExp(`^\\S+ WARN dead-letter: job ${jobId} of notify-email moved to its dead-letter queue queue=notify-email job=${jobId} attempts=3 lastError=".*503.*" instance=jobs-notify\n$`));

      await clearFaults(world.sim);
      expect(await instance.jobs.replayDeadLetters('notify-email')).toBe(1);

      await waitFor(async () => (await deliveries(world.sim, 'notify-email')).length === 1, { timeoutMs: 10_000, description: 'the replayed delivery' });
      await waitFor(async () => (await main.getJobState(jobId)) === 'completed', { timeoutMs: 5_000, description: 'the replayed job completed' });
      expect((await deliveries(world.sim, 'notify-email')).map((d) => d.idempotencyKey)).toEqual([jobId]);
      expect((await main.getJob(jobId))?.attemptsMade).toBe(1); // fresh attempts: the first run delivered it
      expect((await instance.jobs.queueCounts()).find((c) => c.name === 'notify-email')).toMatchObject({ deadLetter: 0, failed: 0, completed: 1 });
      expect(await instance.jobs.replayDeadLetters('notify-email')).toBe(0);
    } finally {
      activity.dispose();
      await dead.close();
      await main.close();
    }
  });

  test('replaying the dead letters of a queue that does not exist is a typed error', async () => {
    instance = await startInstance({ sim: world.sim, keyPrefix: world.keyPrefix, auditFile: world.auditFile, workers: false });
    const error = await rejectionOf(instance.jobs.replayDeadLetters('notify-fax'));
    expect(error).toBeInstanceOf(UnknownQueueError);
    expect(error).toMatchObject({ code: 'UNKNOWN_QUEUE', queue: 'notify-fax' });
  });
});
