// One queue's counts from GET /queues (the gateway's QueueCounts): what a backlog experiment watches.
import { getJson, isRecord } from './http-json';

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  deadLetter: number;
}

/** Jobs not finished yet: waiting, running or waiting for a retry. */
export const backlogOf = (c: QueueCounts): number => c.waiting + c.active + c.delayed;

/** undefined when the fleet did not answer. */
export async function queueCounts(baseUrl: string, name: string): Promise<QueueCounts | undefined> {
  try {
    const body = await getJson(`${baseUrl}/queues`);
    const list = isRecord(body) && Array.isArray(body.queues) ? (body.queues as unknown[]) : [];
    const q = list.find((entry) => isRecord(entry) && entry.name === name);
    if (!isRecord(q)) return undefined;
    const n = (field: string): number => (typeof q[field] === 'number' ? q[field] : 0);
    return { waiting: n('waiting'), active: n('active'), delayed: n('delayed'), failed: n('failed'), deadLetter: n('deadLetter') };
  } catch {
    return undefined;
  }
}
