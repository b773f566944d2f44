// The audit export: each audit entry appears once in the export file, even when its job runs
// twice (removed and added again, as after a crash) and when two instances run the queue.
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Job } from 'bullmq';
import { AuditExportCheckpoint } from '../../apps/payment-api/src/jobs/audit-export-checkpoint';
import { AuditExportFile } from '../../apps/payment-api/src/jobs/audit-export-file';
import { auditExportProcessor } from '../../apps/payment-api/src/jobs/audit-export-processor';
import type { AuditExportBatchJobData, AuditExportJobData } from '../../apps/payment-api/src/jobs/job-data';
import { PaymentStore } from '../../apps/payment-api/src/payments/payment-store';
import { waitFor } from '../support/wait-for';
import { auditLines, createWorld, openQueue, startInstance, type JobsInstance, type World } from './support/jobs-harness';

jest.setTimeout(60_000);

describe('audit export jobs', () => {
  let world: World;
  const instances: JobsInstance[] = [];

  beforeEach(async () => {
    world = await createWorld('jobs-audit');
  });

  afterEach(async () => {
    for (const i of instances.splice(0)) await i.close();
    await world.cleanup();
  });

  const start = async (): Promise<JobsInstance> => {
    const i = await startInstance({ sim: world.sim, keyPrefix: world.keyPrefix, auditFile: world.auditFile });
    instances.push(i);
    return i;
  };

  /** A payment with two audit entries (received, authorized); their ids. */
  async function payment(i: JobsInstance): Promise<{ id: string; auditIds: string[] }> {
    const id = randomUUID();
    const received = await i.gateway.store.create(id, { id, amount: '500', currency: 'EUR', customerId: 'c-1', items: '[]', notify: '{}' });
    const authorized = await i.gateway.store.transition(id, 'AUTHORIZED', { provider: 'provider-a' }, 'charged by provider-a');
    return { id, auditIds: [received.auditId, authorized.auditId] };
  }

  test('given a payment\'s entries exported through the outbox, when a job is added again and runs again, then the file still holds each once', async () => {
    const a = await start();
    const { id, auditIds } = await payment(a);
    const queue = openQueue<AuditExportJobData>(world, 'audit-export');
    try {
      // Each recorded change put its export in the outbox: nobody enqueues these by hand.
      await waitFor(async () => (await auditLines(world.auditFile)).filter((l) => l.paymentId === id).length === 2, { timeoutMs: 10_000, description: 'both exports' });
      const jobId = `${id}-audit-${auditIds[1]}`;
      await a.jobs.exportAudit(id, auditIds[1]);
      await waitFor(async () => (await queue.getJobState(jobId)) === 'completed', { timeoutMs: 10_000, description: 'the run by hand' });
      expect((await queue.getJob(jobId))?.returnvalue).toBe('already-exported');
      await a.jobs.exportAudit(id, auditIds[1]); // same job id: not added again
      expect((await queue.getJob(jobId))?.returnvalue).toBe('already-exported');

      await queue.remove(jobId);
      // A batch of another set of entries (another job id) runs, and finds them exported.
      await a.jobs.exportAudits([{ paymentId: id, auditId: auditIds[0] }]);
      await waitFor(async () => (await queue.getCompleted()).some((j) => j.name === 'export-batch' && j.returnvalue === 'already-exported'), { timeoutMs: 10_000, description: 'the batch run' });
      expect(await queue.getGlobalConcurrency()).toBe(1);
    } finally {
      await queue.close();
    }
    const lines = await auditLines(world.auditFile);
    expect(lines).toEqual([
      { auditId: auditIds[0], paymentId: id, type: 'payment.received', status: 'RECEIVED', at: expect.any(Number), reason: null, data: expect.objectContaining({ amount: '500' }) },
      { auditId: auditIds[1], paymentId: id, type: 'payment.authorized', status: 'AUTHORIZED', at: expect.any(Number), reason: 'charged by provider-a', data: { provider: 'provider-a' } },
    ]);
  });

  test('given many payments recorded at once, then the outbox exports them in a few jobs, not one per audit entry, each entry once and a payment\'s in order', async () => {
    const a = await start();
    const queue = openQueue<AuditExportJobData>(world, 'audit-export');
    const payments = await Promise.all(Array.from({ length: 30 }, () => payment(a)));
    try {
      await waitFor(async () => (await auditLines(world.auditFile)).length === 60, { timeoutMs: 15_000, description: 'every export' });
      const counts = await queue.getJobCounts('completed', 'waiting', 'active', 'delayed', 'failed');
      const jobs = Object.values(counts).reduce((sum, n) => sum + n, 0);
      // One per entry before batching: 60. A read of the outbox is one job now.
      expect(jobs).toBeLessThanOrEqual(10);
    } finally {
      await queue.close();
    }
    const lines = await auditLines(world.auditFile);
    expect(new Set(lines.map((l) => `${l.paymentId} ${l.auditId}`)).size).toBe(60);
    for (const p of payments) expect(lines.filter((l) => l.paymentId === p.id).map((l) => l.auditId)).toEqual(p.auditIds);
  });

  test('given a payment that names notification targets, then the export keeps which channels were asked for and none of the targets', async () => {
    const a = await start();
    const id = randomUUID();
    const received = await a.gateway.store.create(id, { id, amount: '500', currency: 'EUR', customerId: 'c-1', items: '[]', notify: JSON.stringify({ email: 'buyer@example.com', sms: '+33612345678' }) });
    await waitFor(async () => (await auditLines(world.auditFile)).some((l) => l.auditId === received.auditId), { timeoutMs: 10_000, description: 'the export' });
    const [line] = (await auditLines(world.auditFile)).filter((l) => l.paymentId === id);
    expect(line.data.notify).toBe(JSON.stringify({ email: '[redacted]', sms: '[redacted]' }));
    expect(await readFile(world.auditFile, 'utf8')).not.toMatch(/buyer@example\.com|33612345678/);
  });

  test('given two instances, when both export the same entries (and again after removal), then each is in the file once', async () => {
    const a = await start();
    const b = await start();
    const payments = await Promise.all(Array.from({ length: 10 }, () => payment(a)));
    const entries = payments.flatMap((p) => p.auditIds.map((auditId) => ({ id: p.id, auditId })));
    const queue = openQueue<AuditExportJobData>(world, 'audit-export');
    const allCompleted = async (): Promise<boolean> => (await Promise.all(entries.map((e) => queue.getJobState(`${e.id}-audit-${e.auditId}`)))).every((s) => s === 'completed');
    try {
      await Promise.all(entries.flatMap((e) => [a.jobs.exportAudit(e.id, e.auditId), b.jobs.exportAudit(e.id, e.auditId)]));
      await waitFor(allCompleted, { timeoutMs: 15_000, description: 'every export' });
      // Every job runs a second time, on whichever instance takes it.
      for (const e of entries) await queue.remove(`${e.id}-audit-${e.auditId}`);
      await Promise.all(entries.map((e, n) => (n % 2 === 0 ? a : b).jobs.exportAudit(e.id, e.auditId)));
      await waitFor(allCompleted, { timeoutMs: 15_000, description: 'every second run' });
    } finally {
      await queue.close();
    }
    const lines = await auditLines(world.auditFile);
    expect(lines).toHaveLength(entries.length);
    expect(new Set(lines.map((l) => `${l.paymentId} ${l.auditId}`)).size).toBe(entries.length);
  });

  test('given a torn last line in the file (a writer died mid-append), then the next entry starts on a line of its own', async () => {
    await mkdir(dirname(world.auditFile), { recursive: true });
    await appendFile(world.auditFile, '{"auditId":"1-0","paymentId":"torn');
    const a = await start();
    const { id, auditIds } = await payment(a);
    await a.jobs.exportAudit(id, auditIds[1]);
    // A payment's entries go out in order: the job of its second exports the first with it.
    await waitFor(async () => (await readLines()).length === 3, { timeoutMs: 10_000, description: 'the export' });
    const [torn, received, authorized] = await readLines();
    expect(torn).toBe('{"auditId":"1-0","paymentId":"torn');
    expect(JSON.parse(received)).toMatchObject({ paymentId: id, auditId: auditIds[0], status: 'RECEIVED' });
    expect(JSON.parse(authorized)).toMatchObject({ paymentId: id, auditId: auditIds[1], status: 'AUTHORIZED' });
  });

  test('given a line appended by a writer that died before recording it, then the next export finds it past the checkpoint and does not append it again', async () => {
    // The payment is recorded before any instance runs, so the line is in the file before its export.
    const store = new PaymentStore(world.redis, world.keyPrefix);
    const id = randomUUID();
    const received = await store.create(id, { id, amount: '500', currency: 'EUR', customerId: 'c-1', items: '[]', notify: '{}' });
    const entry = await store.auditEntry(id, received.auditId);
    await mkdir(dirname(world.auditFile), { recursive: true });
    await appendFile(world.auditFile, `${JSON.stringify({ auditId: received.auditId, paymentId: id, type: entry?.type, status: entry?.status, at: entry?.at, reason: null, data: entry?.data })}\n`);
    const queue = openQueue<AuditExportJobData>(world, 'audit-export');
    try {
      await start(); // its outbox relay finds the entry and enqueues the export
      await waitFor(async () => (await queue.getCompleted()).length === 1, { timeoutMs: 10_000, description: 'the export' });
      expect((await queue.getCompleted()).map((j) => j.returnvalue)).toEqual(['already-exported']);
    } finally {
      await queue.close();
    }
    expect((await auditLines(world.auditFile)).map((l) => l.auditId)).toEqual([received.auditId]);
  });

  test('given an export file of 600 MiB nobody has read yet, then the export still works: the file is streamed, never read into one string', async () => {
    // Sparse: 600 MiB of holes then a newline, more than V8's longest string (about 512 MiB).
    await mkdir(dirname(world.auditFile), { recursive: true });
    const big = await open(world.auditFile, 'w');
    try {
      await big.write('\n', 600 * 1024 * 1024);
    } finally {
      await big.close();
    }
    const a = await start();
    const { id, auditIds } = await payment(a);
    const queue = openQueue<AuditExportJobData>(world, 'audit-export');
    try {
      // The outbox enqueued both exports; the last entry is the last line, whichever job ran first.
      await waitFor(async () => (await queue.getCompleted()).some((j) => j.returnvalue === 'exported') && (await queue.getJobCounts('waiting', 'active', 'delayed')).waiting === 0, {
        timeoutMs: 30_000,
        intervalMs: 100,
        description: 'the export',
      });
    } finally {
      await queue.close();
    }
    const tail = await lastLine();
    expect(JSON.parse(tail)).toMatchObject({ paymentId: id, auditId: auditIds[1], status: 'AUTHORIZED' });
  });

  describe('two export passes at once (a worker stalled past its job lock, and the rerun)', () => {
    /** A payment with two audit entries, straight in the store; the passes run the processor directly, no queue. */
    async function exportSetup(): Promise<{ store: PaymentStore; checkpoint: AuditExportCheckpoint; file: AuditExportFile }> {
      return { store: new PaymentStore(world.redis, world.keyPrefix), checkpoint: new AuditExportCheckpoint(world.redis, world.keyPrefix, world.auditFile), file: new AuditExportFile(world.auditFile) };
    }

    async function recorded(store: PaymentStore): Promise<{ id: string; auditIds: string[] }> {
      const id = randomUUID();
      const received = await store.create(id, { id, amount: '500', currency: 'EUR', customerId: 'c-1', items: '[]', notify: '{}' });
      const authorized = await store.transition(id, 'AUTHORIZED', { provider: 'provider-a' }, 'charged by provider-a');
      return { id, auditIds: [received.auditId, authorized.auditId] };
    }

    const jobFor = (paymentId: string, auditId: string): Job<AuditExportJobData> => ({ data: { paymentId, auditId } }) as Job<AuditExportJobData>;

    /** The store as one pass sees it, with `method` held until `gate` lets it go on. */
    function held<K extends 'auditEntriesAfter' | 'markAuditExported'>(store: PaymentStore, method: K, gate: (...args: Parameters<PaymentStore[K]>) => Promise<void>): PaymentStore {
      const original = store[method].bind(store) as (...args: Parameters<PaymentStore[K]>) => ReturnType<PaymentStore[K]>;
      return Object.assign(Object.create(store) as PaymentStore, {
        [method]: async (...args: Parameters<PaymentStore[K]>) => {
          const result = await original(...args);
          await gate(...args);
          return result;
        },
      });
    }

    test('given two passes of the same job that both found the entries not exported yet, then only one appends them and the other sees it lost', async () => {
      const { store, checkpoint, file } = await exportSetup();
      const { id, auditIds } = await recorded(store);
      // Both passes have read the checkpoint, the file and the payment's mark before either appends.
      let arrived = 0;
      let release!: () => void;
      const bothChecked = new Promise<void>((resolve) => (release = resolve));
      const gate = async (): Promise<void> => {
        if (++arrived === 2) release();
        await bothChecked;
      };
      const passes = [0, 1].map(() => auditExportProcessor(held(store, 'auditEntriesAfter', gate), file, checkpoint)(jobFor(id, auditIds[1])));
      const outcomes = await Promise.allSettled(passes);

      expect((await auditLines(world.auditFile)).map((l) => l.auditId)).toEqual(auditIds);
      expect(outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value)).toEqual(['exported']);
      const lost = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(lost?.reason).toMatchObject({ code: 'AUDIT_EXPORT_OVERTAKEN' });
      expect(await checkpoint.offset()).toBe((await readFile(world.auditFile)).length);
    });

    const batchFor = (entries: { paymentId: string; auditId: string }[]): Job<AuditExportBatchJobData> => ({ data: { entries } }) as Job<AuditExportBatchJobData>;

    test('given two passes of one batch that both found its entries not exported yet, then only one appends them, once each', async () => {
      const { store, checkpoint, file } = await exportSetup();
      const payments = await Promise.all([0, 1, 2].map(() => recorded(store)));
      const entries = payments.flatMap((p) => p.auditIds.map((auditId) => ({ paymentId: p.id, auditId })));
      let arrived = 0;
      let release!: () => void;
      const bothChecked = new Promise<void>((resolve) => (release = resolve));
      const gate = async (): Promise<void> => {
        if (++arrived === 2 * payments.length) release();
        await bothChecked;
      };
      const outcomes = await Promise.allSettled([0, 1].map(() => auditExportProcessor(held(store, 'auditEntriesAfter', gate), file, checkpoint)(batchFor(entries))));

      expect(outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value)).toEqual(['exported']);
      expect(outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')?.reason).toMatchObject({ code: 'AUDIT_EXPORT_OVERTAKEN' });
      expect((await auditLines(world.auditFile)).map((l) => `${l.paymentId} ${l.auditId}`)).toEqual(entries.map((e) => `${e.paymentId} ${e.auditId}`));
      // The batch again, alone: nothing more.
      expect(await auditExportProcessor(store, file, checkpoint)(batchFor(entries))).toBe('already-exported');
      expect(await auditLines(world.auditFile)).toHaveLength(entries.length);
    });

    test('given a batch naming an entry its payment does not have, then the others are exported and the job fails for good', async () => {
      const { store, checkpoint, file } = await exportSetup();
      const good = await recorded(store);
      const run = auditExportProcessor(store, file, checkpoint)(batchFor([{ paymentId: good.id, auditId: good.auditIds[1] }, { paymentId: randomUUID(), auditId: '1-0' }]));
      await expect(run).rejects.toMatchObject({ name: 'UnrecoverableError' });
      expect((await auditLines(world.auditFile)).map((l) => l.auditId)).toEqual(good.auditIds);
    });

    test('given a pass held between its append and its checkpoint while another pass exports past it, then the checkpoint never moves back', async () => {
      const { store, checkpoint, file } = await exportSetup();
      const first = await recorded(store);
      const second = await recorded(store);
      let release!: () => void;
      const resumed = new Promise<void>((resolve) => (release = resolve));
      let appended!: () => void;
      const firstAppended = new Promise<void>((resolve) => (appended = resolve));
      // The first pass stalls right after it has appended (its mark is the next step).
      const stalled = auditExportProcessor(
        held(store, 'markAuditExported', async () => {
          appended();
          await resumed;
        }),
        file,
        checkpoint,
      )(jobFor(first.id, first.auditIds[0]));
      await firstAppended;
      // The rerun (another job) finds its line past the checkpoint, and appends its own.
      expect(await auditExportProcessor(store, file, checkpoint)(jobFor(second.id, second.auditIds[0]))).toBe('exported');
      const size = (await readFile(world.auditFile)).length;
      expect(await checkpoint.offset()).toBe(size);
      release();
      await stalled;

      expect(await checkpoint.offset()).toBe(size);
      expect((await auditLines(world.auditFile)).map((l) => l.auditId)).toEqual([first.auditIds[0], second.auditIds[0]]);
    });
  });

  /** The file's last line, read from its end. */
  async function lastLine(): Promise<string> {
    const file = await open(world.auditFile, 'r');
    try {
      const { size } = await file.stat();
      const length = Math.min(size, 64 * 1024);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      return buffer.toString('utf8').trimEnd().split('\n').at(-1) ?? '';
    } finally {
      await file.close();
    }
  }

  async function readLines(): Promise<string[]> {
    return (await readFile(world.auditFile, 'utf8')).split('\n').filter((l) => l !== '');
  }
});
