import { InvalidConfigError } from '@breakwater/resilience';
import { breakerKeys, checkKeyPrefix, transitionsChannel } from './keys';

describe('key naming', () => {
  it('puts every key of a breaker behind one hash tag, after the prefix', () => {
    const keys = breakerKeys('shop:', 'provider-a');
    expect([keys.state, keys.window, keys.permits, keys.sequences]).toEqual([
      'shop:bw:{provider-a}:state',
      'shop:bw:{provider-a}:window',
      'shop:bw:{provider-a}:permits',
      'shop:bw:{provider-a}:sequences',
    ]);
    expect(transitionsChannel('shop:')).toBe('shop:bw:transitions');
  });

  it('refuses braces, which would move the hash tag', () => {
    expect(() => checkKeyPrefix('{shop}:')).toThrow(InvalidConfigError);
    expect(() => breakerKeys('', 'a}b')).toThrow(/no \{ or \}/);
    expect(() => breakerKeys('', '')).toThrow(InvalidConfigError);
  });
});
