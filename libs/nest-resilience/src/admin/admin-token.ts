import { createHash, timingSafeEqual } from 'node:crypto';

const BEARER = /^Bearer +(\S.*)$/i;

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerTokenOf(authorization: string | string[] | undefined): string | undefined {
  return BEARER.exec(typeof authorization === 'string' ? authorization : '')?.[1];
}

/**
 * The admin token, kept as its SHA-256: comparing digests of equal length in constant time says
 * nothing of how close a guess was, nor of the token's length.
 */
export class AdminToken {
  private readonly digest: Buffer;

  constructor(token: string) {
    this.digest = sha256(token);
  }

  matches(given: string): boolean {
    return timingSafeEqual(this.digest, sha256(given));
  }
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
