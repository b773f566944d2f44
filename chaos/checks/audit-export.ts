// Every audit entry of every 2xx payment is in the fleet's export file (<dir>/audit-export.jsonl,
// docs/fleet.md) exactly once. Entries are listed by GET /payments/:id/audit. An audit id is a
// stream id of its payment's own stream, so an entry is known by payment id and audit id together.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AUDIT_EXPORT_FILE_NAME } from '../../scripts/fleet/launch-fleet';
import { requestJson } from '../probes/http-json';
import { poolMap } from './pool-map';

const CONCURRENCY = 16;

export interface AuditCheck {
  entries: number;
  exportedLines: number;
  /** `paymentId/auditId` of the run's entries missing from the file. */
  missing: string[];
  /** `paymentId/auditId` in the file more than once. */
  duplicated: string[];
  /** Payments whose entries could not be read. */
  unreadable: number;
  /** The export queue had not drained when the file was read: `missing` may still be on its way. */
  lagging: boolean;
}

export const entryKey = (paymentId: string, auditId: string): string => `${paymentId}/${auditId}`;

export async function exportedCounts(fleetDir: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let text = '';
  try {
    text = await readFile(join(fleetDir, AUDIT_EXPORT_FILE_NAME), 'utf8');
  } catch {
    return counts;
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed = JSON.parse(line) as { auditId?: unknown; paymentId?: unknown };
      if (typeof parsed.auditId !== 'string' || typeof parsed.paymentId !== 'string') continue;
      const key = entryKey(parsed.paymentId, parsed.auditId);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    } catch {
      // a torn last line of a killed exporter: not an entry
    }
  }
  return counts;
}

export async function checkAuditExport(baseUrl: string, fleetDir: string, paymentIds: readonly string[], lagging: boolean): Promise<AuditCheck> {
  const counts = await exportedCounts(fleetDir);
  const result: AuditCheck = { entries: 0, exportedLines: [...counts.values()].reduce((a, b) => a + b, 0), missing: [], duplicated: [], unreadable: 0, lagging };
  await poolMap(paymentIds, CONCURRENCY, async (id) => {
    try {
      const answer = await requestJson('GET', `${baseUrl}/payments/${encodeURIComponent(id)}/audit`);
      if (answer.status !== 200 || !Array.isArray(answer.body)) {
        result.unreadable++;
        return;
      }
      for (const entry of answer.body as unknown[]) {
        const auditId = typeof entry === 'object' && entry !== null && 'id' in entry && typeof entry.id === 'string' ? entry.id : undefined;
        if (auditId === undefined) continue;
        result.entries++;
        const key = entryKey(id, auditId);
        const n = counts.get(key) ?? 0;
        if (n === 0) result.missing.push(key);
        if (n > 1) result.duplicated.push(key);
      }
    } catch {
      result.unreadable++;
    }
  });
  return result;
}
