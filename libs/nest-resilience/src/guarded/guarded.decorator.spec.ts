import { GUARDED_BY, Guarded } from './guarded.decorator';

// The type check (npm run typecheck) is half of this test: a method without a signal last does not compile.
class Inventory {
  @Guarded('inventory')
  async stock(sku: string, signal?: AbortSignal): Promise<string> {
    return `${sku}:${String(signal?.aborted)}`;
  }

  // @ts-expect-error a guarded method must take signal?: AbortSignal last
  @Guarded('inventory')
  async unguardable(sku: string): Promise<string> {
    return sku;
  }
}

describe('@Guarded', () => {
  it('marks the method with its downstream, for the module to wrap at start-up', () => {
    expect(Reflect.getMetadata(GUARDED_BY, Inventory.prototype.stock)).toBe('inventory');
  });
});
