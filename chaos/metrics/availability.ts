// The availability rule: an answer counts as available when it is a 2xx, or, where no
// fallback exists (every provider down, Redis unreachable), a 503 that carries Retry-After: the
// correct refusal. Anything else (a 5xx elsewhere, a 503 without Retry-After, a 4xx, no answer) is
// not available.
import type { Sample } from '../load/sample';

export interface AvailabilityRule {
  /** True while the fault leaves no fallback: a 503 with Retry-After is then the correct answer. */
  refusalIsCorrect: boolean;
}

export function isAvailable(sample: Pick<Sample, 'status' | 'retryAfter'>, rule: AvailabilityRule): boolean {
  if (sample.status >= 200 && sample.status < 300) return true;
  return rule.refusalIsCorrect && sample.status === 503 && sample.retryAfter !== undefined && sample.retryAfter !== '';
}

/** The available share of `samples`; null for none (an empty window is not a perfect one). */
export function availability(samples: readonly Pick<Sample, 'status' | 'retryAfter'>[], rule: AvailabilityRule): number | null {
  if (samples.length === 0) return null;
  let available = 0;
  for (const sample of samples) if (isAvailable(sample, rule)) available++;
  return available / samples.length;
}
