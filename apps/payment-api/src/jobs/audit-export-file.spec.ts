import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditExportFile, type ExportedEntry } from './audit-export-file';

describe('AuditExportFile.readFrom', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-export-file-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const line = (n: number): string => `${JSON.stringify({ auditId: `${1_700_000_000_000 + n}-0`, paymentId: `p-${n}`, type: 'payment.received', status: 'RECEIVED', at: n, reason: null, data: { pad: 'x'.repeat(150) } })}\n`;

  it('reads every complete line from an offset, across chunks, skipping a line too long to be ours and a torn tail', async () => {
    const head = Array.from({ length: 8_000 }, (_, n) => line(n)).join('');
    const garbage = `${'z'.repeat(1_500_000)}\n`;
    const rest = Array.from({ length: 8_000 }, (_, n) => line(8_000 + n)).join('');
    const torn = '{"auditId":"1-0","paymentId":"to';
    const path = join(dir, 'audit.jsonl');
    await writeFile(path, head + garbage + rest + torn);
    const seen: ExportedEntry[] = [];
    const tail = await new AuditExportFile(path).session((f) => f.readFrom(0, async (entries) => void seen.push(...entries)));
    expect(seen).toHaveLength(16_000);
    expect(seen[0]).toEqual({ paymentId: 'p-0', auditId: '1700000000000-0' });
    expect(seen.at(-1)).toEqual({ paymentId: 'p-15999', auditId: '1700000015999-0' });
    const complete = Buffer.byteLength(head + garbage + rest);
    expect(tail).toEqual({ offset: complete, endsWithNewline: false, size: Buffer.byteLength(head + garbage + rest + torn) });

    // From the checkpoint on: only what follows it.
    const later: ExportedEntry[] = [];
    const again = await new AuditExportFile(path).session((f) => f.readFrom(Buffer.byteLength(head + garbage), async (entries) => void later.push(...entries)));
    expect(later).toHaveLength(8_000);
    expect(again.offset).toBe(complete);
  });

  it('appends only while the file is as long as it was read: an export overtaken by another appends nothing', async () => {
    const path = join(dir, 'audit.jsonl');
    await writeFile(path, line(1));
    const file = new AuditExportFile(path);
    const read = await file.session((f) => f.readFrom(0, async () => undefined));
    expect(await file.session((f) => f.appendIfUnchanged(line(2), read.size))).toBe(Buffer.byteLength(line(1) + line(2)));
    // Another export appended since `read`: this one is refused.
    expect(await file.session((f) => f.appendIfUnchanged(line(3), read.size))).toBeUndefined();
    expect(await readFile(path, 'utf8')).toBe(line(1) + line(2));
  });

  it('starts over from 0 when the file is shorter than the offset (truncated or replaced)', async () => {
    const path = join(dir, 'audit.jsonl');
    await writeFile(path, line(1));
    const seen: ExportedEntry[] = [];
    const tail = await new AuditExportFile(path).session((f) => f.readFrom(10_000, async (entries) => void seen.push(...entries)));
    expect(seen).toEqual([{ paymentId: 'p-1', auditId: '1700000000001-0' }]);
    expect(tail).toEqual({ offset: Buffer.byteLength(line(1)), endsWithNewline: true, size: Buffer.byteLength(line(1)) });
  });
});
