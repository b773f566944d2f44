// The framework's percentile rule: nearest rank, always an observed value.
import { percentile, summarizeLatencies } from '../../chaos/metrics/percentiles';

describe('percentiles by nearest rank', () => {
  it('given 1..100 ms, p50 is 50, p95 is 95 and p99 is 99', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarizeLatencies(values)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99 });
  });

  it('never invents a value between two observed ones', () => {
    expect(percentile([10, 20], 50)).toBe(10);
    expect(percentile([10, 20], 51)).toBe(20);
    expect(percentile([7], 99)).toBe(7);
  });

  it('sorts its input and leaves the caller\'s array alone', () => {
    const values = [30, 10, 20];
    expect(summarizeLatencies(values).p99).toBe(30);
    expect(values).toEqual([30, 10, 20]);
  });

  it('has no percentile for no samples, and refuses a percentile outside (0, 100]', () => {
    expect(summarizeLatencies([])).toEqual({ count: 0, p50: null, p95: null, p99: null });
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});
