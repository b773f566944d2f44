/** Orders two stream entry ids (`<ms>-<seq>`): negative when `a` comes first. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq = 0] = a.split('-').map(Number);
  const [bMs, bSeq = 0] = b.split('-').map(Number);
  return aMs !== bMs ? aMs - bMs : aSeq - bSeq;
}

/** The earliest of some stream ids; undefined for none. */
export function earliestStreamId(ids: readonly string[]): string | undefined {
  let earliest: string | undefined;
  for (const id of ids) if (earliest === undefined || compareStreamIds(id, earliest) < 0) earliest = id;
  return earliest;
}
