// The partition experiment's verdict from the instances' modes (chaos/metrics/partition-modes.ts).
import { partitionChecks } from '../../chaos/metrics/partition-modes';
import type { InstanceMode, ModeRound } from '../../chaos/probes/mode-watch';

const targets = { maxToLocalMs: 5_000, maxResyncMs: 10_000, minAnsweredShare: 0.95 };
const window = { cutAt: 10_000, healedAt: 30_000 };
const V = 'http://10.231.0.2:3003';
const O = 'http://127.0.0.1:3001';

/** One round per second from 0 to 40 s; `victim(at)` and `other(at)` give the modes. */
function rounds(victim: (at: number) => InstanceMode, other: (at: number) => InstanceMode = () => 'fleet'): ModeRound[] {
  return Array.from({ length: 41 }, (_, i) => i * 1_000).map((at) => ({ at, modes: { [V]: victim(at), [O]: other(at) } }));
}

const verdict = (r: ModeRound[]): Record<string, boolean | null> => Object.fromEntries(partitionChecks(r, V, window, targets).map((c) => [c.name, c.pass]));

describe('a partition of one instance from Redis, judged from the modes', () => {
  it('holds when the cut-off instance goes local within 2 s, answers, and resyncs 3 s after the heal', () => {
    const r = rounds((at) => (at >= 12_000 && at < 33_000 ? 'local' : 'fleet'));
    expect(Object.values(verdict(r))).toEqual([true, true, true, true]);
  });

  it('fails when the cut-off instance never notices', () => {
    expect(verdict(rounds(() => 'fleet'))['cut-off instance in local mode']).toBe(false);
  });

  it('fails when the cut-off instance stops answering', () => {
    expect(verdict(rounds((at) => (at >= 12_000 && at < 30_000 ? null : 'fleet')))['cut-off instance kept answering']).toBe(false);
  });

  it('fails when another instance goes local too (the partition was not one instance\'s)', () => {
    const r = rounds((at) => (at >= 12_000 && at < 33_000 ? 'local' : 'fleet'), (at) => (at === 20_000 ? 'local' : 'fleet'));
    expect(verdict(r)['other instances stayed in fleet mode']).toBe(false);
  });

  it('fails when it does not resync after the heal', () => {
    expect(verdict(rounds((at) => (at >= 12_000 ? 'local' : 'fleet')))['cut-off instance resynced after the heal']).toBe(false);
  });
});
