import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * A secret kept only as its SHA-256. Both sides are hashed before timingSafeEqual, so the
 * comparison takes the same time whatever the length of what was sent: neither the secret's
 * length nor how much of it a guess got right shows in the answer time.
 */
export class TokenDigest {
  private readonly digest: Buffer;

  constructor(secret: string) {
    this.digest = sha256(secret);
  }

  matches(given: string): boolean {
    return timingSafeEqual(sha256(given), this.digest);
  }
}
