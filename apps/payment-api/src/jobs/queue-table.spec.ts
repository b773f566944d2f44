import { jitteredExponential } from './job-backoff';
import { queueSettings } from './queue-table';

/** The shortest time from a job's first run to its last, when every run fails (the lowest jitter each time). */
function shortestRetryWindowMs(name: Parameters<typeof queueSettings>[0]): number {
  const s = queueSettings(name);
  const delay = jitteredExponential(s.backoffBaseMs, s.backoffCapMs, () => 0);
  let total = 0;
  for (let attemptsMade = 1; attemptsMade < s.attempts; attemptsMade++) total += Number(delay(attemptsMade, 'jittered-exponential'));
  return total;
}

describe('payment-reconcile', () => {
  it('outlasts a ten-minute provider outage even when every run fails (a breaker refusal spends no attempt at all)', () => {
    expect(shortestRetryWindowMs('payment-reconcile')).toBeGreaterThan(15 * 60_000);
  });
});
