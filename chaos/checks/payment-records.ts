// Every payment answered 2xx must be in Redis (GET /payments/:id) with a terminal status
// (AUTHORIZED, DECLINED, FAILED) or a reconcilable one (PENDING_REVIEW, which its reconcile job
// settles). A 404 is a lost payment; RECEIVED after the run is one nobody will finish.
import { requestJson, isRecord } from '../probes/http-json';
import { poolMap } from './pool-map';

const CONCURRENCY = 16;
export const TERMINAL = new Set(['AUTHORIZED', 'DECLINED', 'FAILED']);

export interface RecordCheck {
  checked: number;
  byStatus: Record<string, number>;
  /** Ids answered 2xx and not found. */
  lost: string[];
  /** Ids neither terminal nor PENDING_REVIEW (status in the value). */
  stuck: Record<string, string>;
  /** Ids still PENDING_REVIEW. */
  pendingReview: string[];
  /** Ids whose record could not be read (no answer, 5xx). */
  unreadable: string[];
}

export async function checkPaymentRecords(baseUrls: readonly string[], ids: readonly string[]): Promise<RecordCheck> {
  const result: RecordCheck = { checked: ids.length, byStatus: {}, lost: [], stuck: {}, pendingReview: [], unreadable: [] };
  await poolMap(ids, CONCURRENCY, async (id) => {
    const status = await statusOf(baseUrls, id);
    if (status === 'NOT_FOUND') result.lost.push(id);
    else if (status === undefined) result.unreadable.push(id);
    else {
      result.byStatus[status] = (result.byStatus[status] ?? 0) + 1;
      if (status === 'PENDING_REVIEW') result.pendingReview.push(id);
      else if (!TERMINAL.has(status)) result.stuck[id] = status;
    }
  });
  return result;
}

/** The payment's status, `NOT_FOUND` for a 404 from every instance tried, undefined if none answered. */
async function statusOf(baseUrls: readonly string[], id: string): Promise<string | undefined> {
  let notFound = false;
  for (const base of baseUrls) {
    try {
      const answer = await requestJson('GET', `${base}/payments/${encodeURIComponent(id)}`);
      if (answer.status === 200 && isRecord(answer.body) && typeof answer.body.status === 'string') return answer.body.status;
      if (answer.status === 404) notFound = true;
    } catch {
      // this instance is down: ask the next
    }
  }
  return notFound ? 'NOT_FOUND' : undefined;
}
