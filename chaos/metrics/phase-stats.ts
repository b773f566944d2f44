// Availability, latency percentiles and throughput of each phase, from the samples due in it.
import { availability, isAvailable, type AvailabilityRule } from './availability';
import { PHASES, phaseOf, type FaultWindow, type Phase } from './fault-window';
import { summarizeLatencies, type LatencySummary } from './percentiles';
import type { Sample } from '../load/sample';

export interface PhaseStats extends LatencySummary {
  phase: Phase;
  durationMs: number;
  /** 2xx answers. */
  ok: number;
  availability: number | null;
  /** Available answers per second of the phase. */
  throughput: number;
  /** Answers per status ("0" = no answer). */
  statuses: Record<string, number>;
}

export interface PhaseBounds extends FaultWindow {
  /** When the load began and ended (the phases before and after are measured against them). */
  loadStartMs: number;
  loadEndMs: number;
}

/** `duringRule` applies during the fault; before and after it, only a 2xx is available. */
export function phaseStats(samples: readonly Sample[], bounds: PhaseBounds, duringRule: AvailabilityRule): PhaseStats[] {
  const steady: AvailabilityRule = { refusalIsCorrect: false };
  return PHASES.map((phase) => {
    const inPhase = samples.filter((s) => phaseOf(s.dueAt, bounds) === phase);
    const rule = phase === 'during' ? duringRule : steady;
    const durationMs = phaseDuration(phase, bounds);
    const statuses: Record<string, number> = {};
    for (const s of inPhase) statuses[String(s.status)] = (statuses[String(s.status)] ?? 0) + 1;
    const availableCount = inPhase.filter((s) => isAvailable(s, rule)).length;
    return {
      phase,
      durationMs,
      ...summarizeLatencies(inPhase.map((s) => s.latencyMs)),
      ok: inPhase.filter((s) => s.status >= 200 && s.status < 300).length,
      availability: availability(inPhase, rule),
      throughput: durationMs > 0 ? (availableCount * 1000) / durationMs : 0,
      statuses,
    };
  });
}

function phaseDuration(phase: Phase, b: PhaseBounds): number {
  if (phase === 'before') return Math.max(0, b.startMs - b.loadStartMs);
  if (phase === 'during') return Math.max(0, b.endMs - b.startMs);
  return Math.max(0, b.loadEndMs - b.endMs);
}
