// The launcher's secrets (docs/security.md, "Launcher secrets"): generated here, handed to the
// parts through their environment or a file of mode 0600, never on a command line (ps shows it
// to every local user), in the READY line or on stderr.
import { randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';

/** Every file and directory the launcher and its children create is its user's alone. */
export const PRIVATE_UMASK = 0o077;
export const PRIVATE_FILE_MODE = 0o600;
/** The Redis ACL user the instances connect as (no admin commands, no FLUSHALL). */
export const FLEET_REDIS_APP_USER = 'breakwater';
/** Environment names the launcher never passes on to a part that does not need them. */
export const SECRET_ENV_NAMES: readonly string[] = ['ADMIN_TOKEN', 'METRICS_TOKEN', 'FLEET_REDIS_URL', 'REDIS_URL'];

/** 64 hex characters (256 bits): no shell or URL quoting needed anywhere it goes. */
export function newSecret(): string {
  return randomBytes(32).toString('hex');
}

/** Writes `content` readable by this user only, also when the file already existed with a wider mode. */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: PRIVATE_FILE_MODE });
  await chmod(path, PRIVATE_FILE_MODE);
}

/**
 * `url` without its user name and password (and a Sentinel URL's sentinel credentials): what may
 * be printed. Works on every REDIS_URL form, which WHATWG URL cannot read (a comma list of hosts).
 */
export function withoutCredentials(url: string): string {
  const shape = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/?#]*@)?(.*)$/i.exec(url);
  if (shape === null) return '(an unparsable URL)';
  return `${shape[1]}${shape[2]}`.replace(/([?&])sentinel(?:Username|Password)=[^&#]*&?/g, '$1').replace(/[?&](#|$)/, '$1');
}

export function hasCredentials(url: string): boolean {
  return withoutCredentials(url) !== url;
}

/** `redis://user:password@host:port` from a URL without credentials. */
export function withCredentials(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}
