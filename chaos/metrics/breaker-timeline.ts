// The breakers as every instance saw them, one poll round at a time (GET /breakers on each
// instance), and the two times read from it: when the fleet detected the fault (every instance
// reachable says the watched breaker refuses calls) and when it was whole again (every instance
// reachable, every breaker CLOSED).

/** One instance's answer in a round: breaker name to state, or null when it did not answer. */
export type InstanceView = Record<string, string> | null;

export interface PollRound {
  atMs: number;
  /** Instance URL to its view. */
  views: Record<string, InstanceView>;
}

const REFUSING = new Set(['OPEN', 'HALF_OPEN', 'FORCED_OPEN']);

/** First round at or after `fromMs` where every instance that answered sees `breaker` refusing; at least one answered. */
export function fleetOpenAt(rounds: readonly PollRound[], breaker: string, fromMs: number): number | null {
  for (const round of rounds) {
    if (round.atMs < fromMs) continue;
    const answered = Object.values(round.views).filter((v): v is Record<string, string> => v !== null);
    if (answered.length > 0 && answered.every((v) => REFUSING.has(v[breaker] ?? ''))) return round.atMs;
  }
  return null;
}

/** First round at or after `fromMs` from which on every instance answers with every breaker CLOSED. */
export function fleetClosedAt(rounds: readonly PollRound[], fromMs: number): number | null {
  let since: number | null = null;
  for (const round of rounds) {
    if (round.atMs < fromMs) continue;
    const views = Object.values(round.views);
    const whole = views.length > 0 && views.every((v) => v !== null && Object.values(v).every((state) => state === 'CLOSED'));
    if (!whole) since = null;
    else since ??= round.atMs;
  }
  return since;
}

/** Every breaker name any instance reported. */
export function breakerNames(rounds: readonly PollRound[]): string[] {
  const names = new Set<string>();
  for (const round of rounds) for (const view of Object.values(round.views)) if (view !== null) for (const name of Object.keys(view)) names.add(name);
  return [...names].sort();
}
