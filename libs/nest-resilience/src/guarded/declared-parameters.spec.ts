import { declaredParameterCount } from './declared-parameters';

// Parameters named with `_`: only their declarations matter here.
class Examples {
  async plain(_sku: string, _signal?: AbortSignal): Promise<void> {}
  async defaulted(_sku: string, _unit = 'pcs', _signal?: AbortSignal): Promise<void> {}
  async tricky(_a = 'x,)', _b = { c: [1, 2] }, _d = (e: number, f: number) => e + f, _g = `h,${'i'}`, _signal?: AbortSignal): Promise<void> {}
  async destructured({ a: _a }: { a: number }, [_c, _d]: number[], /* a comment, ) */ _signal?: AbortSignal): Promise<void> {}
  async none(): Promise<void> {}
}

describe('declaredParameterCount', () => {
  const p = Examples.prototype;

  it('counts every declared parameter, where length stops at the first default', () => {
    expect([declaredParameterCount(p.plain), p.plain.length]).toEqual([2, 2]);
    expect([declaredParameterCount(p.defaulted), p.defaulted.length]).toEqual([3, 1]);
  });

  it('is not fooled by commas and brackets inside defaults, patterns and comments', () => {
    expect(declaredParameterCount(p.tricky)).toBe(5);
    expect(declaredParameterCount(p.destructured)).toBe(3);
    expect(declaredParameterCount(p.none)).toBe(0);
  });

  it('says nothing of a native function', () => {
    expect(declaredParameterCount(Math.max)).toBeUndefined();
  });
});
