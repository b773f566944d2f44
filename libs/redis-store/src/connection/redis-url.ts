import { InvalidRedisUrlError } from './redis-url.error';
import type { RedisAddress, RedisCredentials, RedisTarget } from './redis-target';

export const DEFAULT_REDIS_PORT = 6379;
export const DEFAULT_SENTINEL_PORT = 26379;

type Kind = RedisTarget['kind'];

const SCHEMES: Readonly<Record<string, { kind: Kind; tls: boolean }>> = {
  'redis:': { kind: 'single', tls: false },
  'rediss:': { kind: 'single', tls: true },
  'redis-cluster:': { kind: 'cluster', tls: false },
  'rediss-cluster:': { kind: 'cluster', tls: true },
  'redis-sentinel:': { kind: 'sentinel', tls: false },
  'rediss-sentinel:': { kind: 'sentinel', tls: true },
};

/** Query parameters each form takes; anything else is refused rather than silently ignored. */
const QUERY_PARAMETERS: Readonly<Record<Kind, readonly string[]>> = {
  single: [],
  cluster: [],
  sentinel: ['sentinelUsername', 'sentinelPassword'],
};

// scheme://[userinfo@]hosts[/db][?query][#fragment]; parsed by hand because WHATWG URL refuses a
// comma list of host:port pairs.
const URL_SHAPE = /^([a-z][a-z0-9+.-]*:)\/\/(?:([^@/?#]*)@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?(?:#(.*))?$/i;
const ADDRESS = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::(\d*))?$/i;

/**
 * Reads a `REDIS_URL`: `redis://` and `rediss://` (one server), `redis-cluster://` (Cluster seed
 * nodes), `redis-sentinel://...#mastername` (Sentinel, as Lettuce spells it), each with `user:pass@`.
 * Throws InvalidRedisUrlError, naming the problem, for anything else.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const masked = maskRedisUrl(url);
  const fail = (problem: string): never => {
    throw new InvalidRedisUrlError(masked, problem);
  };
  if (typeof url !== 'string' || url.trim() === '') fail('it is empty');
  const shape = URL_SHAPE.exec(url.trim());
  if (shape === null) return fail('it is not scheme://host:port');
  const [, rawScheme, userinfo, hostList, path, query, fragment] = shape;
  const scheme = SCHEMES[rawScheme.toLowerCase()];
  if (scheme === undefined) return fail(`unknown scheme ${rawScheme}//`);
  const credentials = userinfo === undefined ? {} : parseUserinfo(userinfo, fail);
  const defaultPort = scheme.kind === 'sentinel' ? DEFAULT_SENTINEL_PORT : DEFAULT_REDIS_PORT;
  const addresses = hostList.split(',').map((entry) => parseAddress(entry, defaultPort, fail));
  const db = parseDb(path, fail);
  const parameters = parseQuery(query, QUERY_PARAMETERS[scheme.kind], fail);

  if (scheme.kind === 'sentinel') {
    const masterName = fragment === undefined ? '' : decode(fragment, 'the master name', fail);
    if (masterName === '') fail('a Sentinel URL names its master after #: redis-sentinel://s1:26379,s2:26379#mymaster');
    return { kind: 'sentinel', sentinels: addresses, masterName, db, tls: scheme.tls, ...credentials, ...parameters };
  }
  if (fragment !== undefined) fail(`#${fragment} means nothing here (only a Sentinel URL names a master)`);
  if (scheme.kind === 'cluster') {
    if (db !== 0) fail('a Cluster has database 0 only');
    return { kind: 'cluster', seeds: addresses, tls: scheme.tls, ...credentials };
  }
  if (addresses.length !== 1) fail(`${rawScheme}// names one server; use redis-cluster:// for Cluster seed nodes or redis-sentinel:// for sentinels`);
  return { kind: 'single', address: addresses[0], db, tls: scheme.tls, ...credentials };
}

/** The URL with its passwords replaced by `***`, for messages and logs. */
export function maskRedisUrl(url: string): string {
  if (typeof url !== 'string') return String(url);
  // A lone word before @ may be a password written without its colon: masked whole.
  return url
    .replace(/^([^:/?#]+:\/\/)([^@/?#]*)@/, (_all, scheme: string, userinfo: string) => `${scheme}${userinfo.includes(':') ? `${userinfo.slice(0, userinfo.indexOf(':'))}:***` : '***'}@`)
    .replace(/([?&]sentinelPassword=)[^&#]*/g, '$1***');
}

type Fail = (problem: string) => never;

function parseUserinfo(userinfo: string, fail: Fail): RedisCredentials {
  const colon = userinfo.indexOf(':');
  if (colon < 0) return fail('credentials are user:password@ or :password@ (a lone word would be taken for a user without a password)');
  const username = decode(userinfo.slice(0, colon), 'the user name', fail);
  const password = decode(userinfo.slice(colon + 1), 'the password', fail);
  return { ...(username === '' ? {} : { username }), ...(password === '' ? {} : { password }) };
}

function parseAddress(entry: string, defaultPort: number, fail: Fail): RedisAddress {
  const match = ADDRESS.exec(entry.trim());
  if (entry.trim() === '' || match === null) return fail(`${JSON.stringify(entry)} is not host or host:port`);
  const host = match[1] ?? match[2];
  if (match[3] === undefined) return { host, port: defaultPort };
  const port = Number(match[3]);
  if (match[3] === '' || !Number.isInteger(port) || port < 1 || port > 65535) return fail(`port ${JSON.stringify(match[3])} of ${host} is not 1 to 65535`);
  return { host, port };
}

function parseDb(path: string | undefined, fail: Fail): number {
  if (path === undefined || path === '') return 0;
  if (!/^\d{1,5}$/.test(path)) return fail(`the path /${path} must be a database number`);
  return Number(path);
}

function parseQuery(query: string | undefined, allowed: readonly string[], fail: Fail): Record<string, string> {
  const parameters: Record<string, string> = {};
  if (query === undefined || query === '') return parameters;
  for (const pair of query.split('&')) {
    const [name, ...rest] = pair.split('=');
    if (!allowed.includes(name)) fail(`unknown parameter ${JSON.stringify(name)}${allowed.length > 0 ? ` (this form takes ${allowed.join(', ')})` : ' (this form takes none)'}`);
    parameters[name] = decode(rest.join('='), name, fail);
  }
  return parameters;
}

function decode(text: string, what: string, fail: Fail): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail(`${what} has a broken %-escape`);
  }
}
