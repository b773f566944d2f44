// The downstreams the simulator plays. They carry the names of the payment gateway's breakers
// (architecture.md "Names"), so a fault set on `provider-a` here trips the breaker called `provider-a`.

export const PROVIDER_NAMES = ['provider-a', 'provider-b', 'provider-c'] as const;
export const NOTIFY_NAMES = ['notify-email', 'notify-sms', 'notify-push'] as const;
export const SERVICE_NAMES = [...PROVIDER_NAMES, 'inventory', 'fraud', ...NOTIFY_NAMES] as const;

export type ProviderName = (typeof PROVIDER_NAMES)[number];
export type NotifyName = (typeof NOTIFY_NAMES)[number];
export type ServiceName = (typeof SERVICE_NAMES)[number];

export function isServiceName(value: string): value is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(value);
}

/** `{ "provider-a": make("provider-a"), ... }` in the order the names are declared. */
export function recordOf<Name extends string, Value>(names: readonly Name[], make: (name: Name) => Value): Record<Name, Value> {
  const record = {} as Record<Name, Value>;
  for (const name of names) record[name] = make(name);
  return record;
}
