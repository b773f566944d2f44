import { Outcomes } from '@breakwater/resilience';
import { MAX_QUEUED_BATCHES, OutcomeBatcher } from './outcome-batcher';

describe('OutcomeBatcher', () => {
  let ids = 0;
  const batcher = () => new OutcomeBatcher('instance-a:1f0e', () => ++ids, 10_000);

  it('sums outcomes into one batch per version and seals it with an id when taken', () => {
    const b = batcher();
    b.add(Outcomes.SUCCEEDED, 3, 0);
    b.add(Outcomes.FAILED, 3, 1);
    b.add(Outcomes.CROSSED_SLOW, 3, 2);
    const [batch, ...rest] = b.takeReady(5);
    expect(rest).toHaveLength(0);
    expect(batch).toMatchObject({ session: 'instance-a:1f0e', version: 3, calls: 3, failures: 1, slowCalls: 1, sawSuccess: true, trailingFailures: 1 });
    expect(batch.sequence).toBeGreaterThan(0);
  });

  it('keeps an unconfirmed batch, with the same id, for the next flush', () => {
    const b = batcher();
    b.add(Outcomes.FAILED, 0, 0);
    const first = b.takeReady(1);
    b.add(Outcomes.FAILED, 0, 2);
    const second = b.takeReady(3);
    expect(second.map((x) => x.sequence)).toEqual([first[0].sequence, second[1].sequence]);
    b.confirm(second[0]);
    expect(b.takeReady(4).map((x) => x.sequence)).toEqual([second[1].sequence]);
    b.confirm(second[1]);
    expect(b.isEmpty).toBe(true);
  });

  it('never mixes outcomes of two breaker versions in one batch', () => {
    const b = batcher();
    b.add(Outcomes.FAILED, 1, 0);
    b.add(Outcomes.FAILED, 2, 0);
    expect(b.takeReady(0).map((x) => [x.version, x.failures])).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });

  it('drops batches older than the window: they would be counted in the wrong buckets', () => {
    const b = batcher();
    b.add(Outcomes.FAILED, 0, 0);
    b.takeReady(0);
    b.add(Outcomes.SUCCEEDED, 0, 9_000);
    expect(b.takeReady(10_001).map((x) => x.calls)).toEqual([1]);
  });

  it('bounds the queue while Redis does not answer', () => {
    const b = batcher();
    for (let v = 0; v < MAX_QUEUED_BATCHES + 10; v++) b.add(Outcomes.FAILED, v, 0);
    const ready = b.takeReady(0);
    expect(ready).toHaveLength(MAX_QUEUED_BATCHES);
    expect(ready[ready.length - 1].version).toBe(MAX_QUEUED_BATCHES + 9);
  });

  it('sums pending outcomes across batches, with the failure run spanning them', () => {
    const b = batcher();
    b.add(Outcomes.SUCCEEDED, 0, 0);
    b.add(Outcomes.FAILED, 0, 0);
    b.takeReady(0);
    b.add(Outcomes.FAILED, 0, 1);
    b.add(Outcomes.FAILED_AFTER_SLOW, 0, 1);
    expect(b.pending()).toEqual({ calls: 3, failures: 3, slowCalls: 0, sawSuccess: true, trailingFailures: 3 });
    b.add(Outcomes.SUCCEEDED_AFTER_SLOW, 0, 2);
    expect(b.pending()).toMatchObject({ sawSuccess: true, trailingFailures: 0 });
  });

  it('makes no batch of outcomes that count as nothing (ignored errors), but keeps a success that ends a failure run', () => {
    const b = batcher();
    b.add(Outcomes.IGNORED, 0, 0);
    b.add(Outcomes.IGNORED_AFTER_SLOW, 0, 0);
    expect(b.isEmpty).toBe(true);
    b.add(Outcomes.SUCCEEDED_AFTER_SLOW, 0, 0);
    expect(b.takeReady(1)).toEqual([expect.objectContaining({ calls: 0, sawSuccess: true, trailingFailures: 0 })]);
  });

  it('moves every unconfirmed outcome to a new version, keeping their sequences (Redis lost the state they were collected under)', () => {
    const b = batcher();
    b.add(Outcomes.FAILED, 4, 0);
    const [sealed] = b.takeReady(1);
    b.add(Outcomes.FAILED, 4, 2);
    b.retag(0);
    const ready = b.takeReady(3);
    expect(ready.map((x) => [x.sequence, x.version])).toEqual([
      [sealed.sequence, 0],
      [ready[1].sequence, 0],
    ]);
  });

  it('never lets a batch span two buckets of the window, and gives each its age when taken', () => {
    const b = new OutcomeBatcher('instance-a:1f0e', () => ++ids, 10_000, 1_000);
    b.add(Outcomes.FAILED, 0, 100);
    b.add(Outcomes.FAILED, 0, 900);
    b.add(Outcomes.FAILED, 0, 1_100); // the next bucket: a batch of its own
    expect(b.takeReady(3_000).map((x) => [x.failures, x.ageMs])).toEqual([
      [2, 2_100],
      [1, 1_900],
    ]);
  });

  it('says whether it holds a failure or a slow call, in the open batch or a sealed one, until confirmed', () => {
    const b = batcher();
    b.add(Outcomes.SUCCEEDED, 0, 100);
    expect(b.holdsFailures).toBe(false);
    b.add(Outcomes.FAILED, 0, 200);
    expect(b.holdsFailures).toBe(true);
    const [sealed] = b.takeReady(300);
    b.add(Outcomes.SUCCEEDED, 0, 400);
    expect(b.holdsFailures).toBe(true);
    b.confirm(sealed);
    expect(b.holdsFailures).toBe(false);
  });
});
