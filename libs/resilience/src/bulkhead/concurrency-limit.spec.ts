import type { Clock } from '../clock';
import { BulkheadPolicy } from './bulkhead-policy';
import { fixedLimit } from './concurrency-limit';

const clock: Clock = { now: () => Date.now() };

describe('fixedLimit', () => {
  it('is a limit that never learns: its current value is the number given, with nothing to report to', () => {
    const limit = fixedLimit(3);

    expect(limit.current).toBe(3);
    expect(limit.onSample).toBeUndefined();
  });

  it('given to a bulkhead as its limit, lets exactly that many calls run at once', async () => {
    const bh = new BulkheadPolicy('exports', { limit: fixedLimit(2), clock });
    const hang = (): Promise<string> => new Promise<string>(() => undefined);

    void bh.execute(hang);
    void bh.execute(hang);
    const third: unknown = await bh.execute(hang).catch((e: unknown) => e);

    expect(bh.currentLimit).toBe(2);
    expect(bh.inFlight).toBe(2);
    expect(third).toMatchObject({ code: 'BULKHEAD_REJECTED', reason: 'full', limit: 2 });
  });
});
