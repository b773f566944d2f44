// What a partition of one instance from Redis must show in the instances' modes (mode-watch.ts):
// the cut-off one goes to local mode soon after the cut and keeps answering, the others never
// leave fleet mode, and after the heal the cut-off one resyncs (fleet mode again).
import { ms, pct, type Check } from './hypothesis';
import type { ModeRound } from '../probes/mode-watch';

export interface PartitionTargets {
  /** Cut to local mode at most this late. */
  maxToLocalMs: number;
  /** Heal to fleet mode at most this late. */
  maxResyncMs: number;
  /** Share of the fault's polls the cut-off instance must answer. */
  minAnsweredShare: number;
}

export function partitionChecks(rounds: readonly ModeRound[], victim: string, window: { cutAt: number; healedAt: number }, t: PartitionTargets): Check[] {
  const during = rounds.filter((r) => r.at >= window.cutAt && r.at < window.healedAt);
  const after = rounds.filter((r) => r.at >= window.healedAt);
  const firstLocal = during.find((r) => r.modes[victim] === 'local');
  const toLocal = firstLocal === undefined ? null : firstLocal.at - window.cutAt;
  const answered = during.length === 0 ? null : during.filter((r) => r.modes[victim] !== null && r.modes[victim] !== undefined).length / during.length;
  const othersLocal = during.flatMap((r) => Object.entries(r.modes).filter(([url, mode]) => url !== victim && mode === 'local').map(([url]) => url));
  const backToFleet = after.find((r) => r.modes[victim] === 'fleet');
  const resync = backToFleet === undefined ? null : backToFleet.at - window.healedAt;
  return [
    { name: 'cut-off instance in local mode', target: `within ${ms(t.maxToLocalMs)} of the cut`, measured: toLocal === null ? 'never' : ms(toLocal), pass: toLocal !== null && toLocal <= t.maxToLocalMs },
    { name: 'cut-off instance kept answering', target: `>= ${pct(t.minAnsweredShare, 0)} of polls during the cut`, measured: pct(answered, 1), pass: answered === null ? null : answered >= t.minAnsweredShare },
    { name: 'other instances stayed in fleet mode', target: '0 polls in local mode', measured: String(othersLocal.length), pass: during.length === 0 ? null : othersLocal.length === 0 },
    { name: 'cut-off instance resynced after the heal', target: `fleet mode within ${ms(t.maxResyncMs)}`, measured: resync === null ? 'never' : ms(resync), pass: resync !== null && resync <= t.maxResyncMs },
  ];
}
