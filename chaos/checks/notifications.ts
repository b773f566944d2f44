// Nothing lost, nothing sent twice: every AUTHORIZED payment of the load has exactly one email
// among the simulator's deliveries (the channel delivers a job id once, so a second delivery
// would be a second job for the same payment).

export interface NotificationCheck {
  /** AUTHORIZED payments with no delivery. */
  missing: string[];
  /** Payments delivered more than once. */
  twice: string[];
}

export function checkNotifications(authorized: readonly string[], delivered: readonly string[]): NotificationCheck {
  const count = new Map<string, number>();
  for (const id of delivered) count.set(id, (count.get(id) ?? 0) + 1);
  const wanted = [...new Set(authorized)];
  return { missing: wanted.filter((id) => !count.has(id)), twice: wanted.filter((id) => (count.get(id) ?? 0) > 1) };
}
