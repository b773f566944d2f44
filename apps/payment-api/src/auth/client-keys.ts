import { createHash } from 'node:crypto';

/** `off`: anyone may pay and read payments (the contract's default); `api-key`: clients need their key. */
export type ClientAuthMode = 'off' | 'api-key';
export const CLIENT_AUTH_MODES: readonly ClientAuthMode[] = ['off', 'api-key'];

/** A client id names the owner of payments and scopes Idempotency-Keys: no `:` (the scope's separator), short, printable. */
const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The clients' API keys, kept only as their SHA-256 (CLIENT_API_KEYS: `id:sha256hex,...`, made
 * with `printf %s "$key" | sha256sum`), so the instances never hold a client's key. A key given
 * is hashed and looked up: the lookup is by digest, so its time says nothing about any key.
 */
export class ClientKeys {
  private readonly byDigest: ReadonlyMap<string, string>;

  constructor(entries: ReadonlyArray<{ id: string; sha256: string }>) {
    this.byDigest = new Map(entries.map((e) => [e.sha256, e.id]));
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** The client whose key this is, or undefined. */
  clientOf(key: string): string | undefined {
    return this.byDigest.get(sha256Hex(key));
  }

  /** Parses CLIENT_API_KEYS; each malformed entry is a problem (the instance does not start). */
  static parse(raw: string | undefined, problems: string[]): ClientKeys {
    const entries: { id: string; sha256: string }[] = [];
    for (const entry of (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      const [id = '', digest = '', ...rest] = entry.split(':');
      if (rest.length > 0 || !CLIENT_ID.test(id) || !SHA256_HEX.test(digest.toLowerCase())) {
        problems.push(`CLIENT_API_KEYS entries must be <client id>:<sha256 of the key, 64 hex digits>, the id of letters, digits, . _ - (at most 64); got one starting ${JSON.stringify(entry.slice(0, 12))}`);
        continue;
      }
      if (entries.some((e) => e.id === id)) problems.push(`CLIENT_API_KEYS names client ${id} twice`);
      if (entries.some((e) => e.sha256 === digest.toLowerCase())) problems.push(`CLIENT_API_KEYS gives two clients the same key`);
      entries.push({ id, sha256: digest.toLowerCase() });
    }
    return new ClientKeys(entries);
  }
}
