// An optional hook for ONE payment-api instance, used by the chaos suite (docs/resilience.md):
// run it inside a network namespace the suite made (so a partition can cut it alone off from
// Redis), or give it environment of its own (a small heap, a test-only preload). Read from
// FLEET_INSTANCE_HOOK (JSON); without it every instance starts as before, and the launcher's
// command line, READY line and files are unchanged. A test device, so not a flag of the contract.
import { isIPv4 } from 'node:net';

export const INSTANCE_HOOK_ENV = 'FLEET_INSTANCE_HOOK';

export interface InstanceNetns {
  /** An existing namespace (`ip netns add`), which the instance runs in through `ip netns exec`. */
  name: string;
  /** The instance's address inside it: it listens there, and nginx reaches it there. */
  address: string;
  /**
   * The host's end of the link. Services the launcher gives on 127.0.0.1 (Redis, the simulator)
   * are given to this instance at this address instead: whoever made the namespace must make
   * them answer there (the suite DNATs it to 127.0.0.1).
   */
  hostAddress: string;
}

export interface InstanceHook {
  /** `api-<n>` */
  instance: string;
  netns?: InstanceNetns;
  /** Added to that instance's environment (after the launcher's own). */
  env?: Record<string, string>;
}

export class InvalidInstanceHookError extends Error {
  override readonly name = 'InvalidInstanceHookError';
  readonly code = 'FLEET_INSTANCE_HOOK';
}

const NETNS_NAME = /^[A-Za-z0-9_.-]{1,32}$/;
const INSTANCE = /^api-[1-9][0-9]*$/;

export function instanceHookFromEnv(env: NodeJS.ProcessEnv = process.env): InstanceHook | undefined {
  const raw = env[INSTANCE_HOOK_ENV];
  if (raw === undefined || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidInstanceHookError(`${INSTANCE_HOOK_ENV} is not JSON`);
  }
  return checkHook(parsed);
}

function checkHook(value: unknown): InstanceHook {
  const fail = (problem: string): never => {
    throw new InvalidInstanceHookError(`${INSTANCE_HOOK_ENV}: ${problem}`);
  };
  if (!isObject(value)) return fail('must be an object {"instance":"api-<n>", "netns"?, "env"?}');
  const { instance, netns, env } = value;
  if (typeof instance !== 'string' || !INSTANCE.test(instance)) return fail('"instance" must be api-<n>');
  const hook: InstanceHook = { instance };
  if (netns !== undefined) {
    if (!isObject(netns)) return fail('"netns" must be an object {"name","address","hostAddress"}');
    const { name, address, hostAddress } = netns;
    if (typeof name !== 'string' || !NETNS_NAME.test(name)) return fail('"netns.name" must be a namespace name');
    if (typeof address !== 'string' || !isIPv4(address)) return fail('"netns.address" must be an IPv4 address');
    if (typeof hostAddress !== 'string' || !isIPv4(hostAddress)) return fail('"netns.hostAddress" must be an IPv4 address');
    hook.netns = { name, address, hostAddress };
  }
  if (env !== undefined) {
    if (!isObject(env) || !Object.values(env).every((v) => typeof v === 'string')) return fail('"env" must map names to strings');
    hook.env = env as Record<string, string>;
  }
  return hook;
}

/** A URL the launcher made for 127.0.0.1, as an instance inside `netns` reaches it. */
export function throughHost(url: string, netns: InstanceNetns): string {
  const parsed = new URL(url);
  if (parsed.hostname !== '127.0.0.1') return url;
  parsed.hostname = netns.hostAddress;
  const out = parsed.toString();
  return !url.endsWith('/') && out.endsWith('/') ? out.slice(0, -1) : out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
