// Waits for the fleet's job queues (GET /queues) to drain, so the audit export and the reconcile
// jobs have done their work before the data check reads their results.
import { getJson, isRecord } from '../probes/http-json';
import { sleep } from '../infra/process-signals';

export async function queueBacklog(baseUrl: string, names: readonly string[]): Promise<number | undefined> {
  try {
    const body = await getJson(`${baseUrl}/queues`);
    const list = isRecord(body) && Array.isArray(body.queues) ? (body.queues as unknown[]) : [];
    let backlog = 0;
    for (const q of list) {
      if (!isRecord(q) || typeof q.name !== 'string' || !names.includes(q.name)) continue;
      for (const field of ['waiting', 'active', 'delayed']) if (typeof q[field] === 'number') backlog += q[field];
    }
    return backlog;
  } catch {
    return undefined;
  }
}

/**
 * True once the backlog of `names` is 0. A backlog that still shrinks gets more time (the audit
 * export lags behind a busy fleet by design); false once it stops shrinking for `stallMs`, or
 * after `capMs` in all.
 */
export async function waitForQueues(baseUrl: string, names: readonly string[], stallMs: number, capMs: number, log: (message: string) => void, signal?: AbortSignal): Promise<boolean> {
  const cap = Date.now() + capMs;
  let best = Infinity;
  let lastProgress = Date.now();
  let lastLog = 0;
  while (Date.now() < cap && Date.now() - lastProgress < stallMs && signal?.aborted !== true) {
    const backlog = await queueBacklog(baseUrl, names);
    if (backlog === 0) return true;
    if (backlog !== undefined && backlog < best) {
      best = backlog;
      lastProgress = Date.now();
    }
    if (Date.now() - lastLog > 5_000) {
      lastLog = Date.now();
      log(`waiting for ${names.join(', ')}: ${backlog ?? '?'} jobs left`);
    }
    await sleep(500, signal);
  }
  return false;
}
