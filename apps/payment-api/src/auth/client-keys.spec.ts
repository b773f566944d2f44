import { ClientKeys, sha256Hex } from './client-keys';

describe('ClientKeys', () => {
  it('finds the client of a key by its digest, and nobody for another key', () => {
    const keys = ClientKeys.parse(`shop-1:${sha256Hex('key-of-shop-1')}, shop-2:${sha256Hex('key-of-shop-2').toUpperCase()}`, []);
    expect(keys.size).toBe(2);
    expect(keys.clientOf('key-of-shop-1')).toBe('shop-1');
    expect(keys.clientOf('key-of-shop-2')).toBe('shop-2');
    expect(keys.clientOf('key-of-shop-3')).toBeUndefined();
    expect(keys.clientOf(sha256Hex('key-of-shop-1'))).toBeUndefined(); // the digest is not the key
  });

  it('refuses malformed entries, an id with a colon, duplicate ids and shared keys', () => {
    const problems: string[] = [];
    const digest = sha256Hex('k');
    ClientKeys.parse(`shop-1:${digest},shop-1:${sha256Hex('other')},shop-2:${digest},bad id:${sha256Hex('x')},a:b:${digest},shop-3:not-hex`, problems);
    expect(problems).toEqual([
      expect.stringContaining('names client shop-1 twice'),
      expect.stringContaining('the same key'),
      expect.stringContaining('starting "bad id:'),
      expect.stringContaining('starting "a:b:'),
      expect.stringContaining('starting "shop-3:not-h'),
    ]);
  });

  it('is empty when unset', () => {
    expect(ClientKeys.parse(undefined, []).size).toBe(0);
  });
});
