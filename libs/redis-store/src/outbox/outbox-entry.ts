/** One entry of an outbox stream, as a consumer group delivers it. */
export interface OutboxEntry {
  stream: string;
  /** The stream entry id (`<ms>-<seq>`). */
  id: string;
  fields: Record<string, string>;
}

/**
 * One kind of follow-up: a consumer group of its own on every outbox stream, so each kind
 * advances, fails and retries independently of the others.
 */
export interface OutboxGroup {
  readonly name: string;
  /**
   * Carries out the entry's follow-up. Resolving acknowledges the entry; throwing leaves it
   * pending, and it is delivered again once it has been idle for the relay's reclaim time. Runs
   * at least once per entry: it must be harmless to repeat.
   */
  handle(entry: OutboxEntry): Promise<void>;
  /**
   * Optional: carries out the follow-ups of many entries at once (one job for a whole read,
   * rather than one per entry). All or nothing: resolving acknowledges every entry, throwing
   * leaves every one pending (delivered again after the reclaim time, so it must be harmless to
   * repeat for entries it had done). When present, the relay calls it instead of `handle`.
   */
  handleBatch?(entries: readonly OutboxEntry[]): Promise<void>;
}

/**
 * Entries as XREADGROUP and XAUTOCLAIM return them: `[id, [field, value, ...]]`, or `[id, null]`
 * for an entry deleted while it was pending (Redis before 7.0). Those have nothing left to do.
 */
export function parseEntries(stream: string, raw: unknown): OutboxEntry[] {
  if (!Array.isArray(raw)) return [];
  const entries: OutboxEntry[] = [];
  for (const item of raw) {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || !Array.isArray(item[1])) continue;
    const flat = item[1] as unknown[];
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
    entries.push({ stream, id: item[0], fields });
  }
  return entries;
}
