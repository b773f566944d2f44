// The exit code's gate (chaos/metrics/gate.ts): `all` follows the report's verdict; `safety` fails
// only on a process death, a lost or doubly charged payment, an audit entry lost or doubled, a
// PENDING_REVIEW left, or an experiment that errored.
import { failsGate, SAFETY_CHECKS } from '../../chaos/metrics/gate';
import type { Check } from '../../chaos/metrics/hypothesis';
import { parseChaosOptions } from '../../chaos/cli-options';

const check = (name: string, pass: boolean | null): Check => ({ name, target: '', measured: '', pass });

describe('the safety gate', () => {
  const slow = [check('steady state before', false), check('p95 increase during', false), check('recovery', false), ...SAFETY_CHECKS.map((n) => check(n, true))];

  it('lets a run that only missed latency and recovery targets pass, which the full gate fails', () => {
    expect(failsGate({ passed: false, error: null, checks: slow }, 'safety')).toBe(false);
    expect(failsGate({ passed: false, error: null, checks: slow }, 'all')).toBe(true);
  });

  it.each(SAFETY_CHECKS)('fails when "%s" does not hold', (name) => {
    const checks = slow.map((c) => (c.name === name ? check(name, false) : c));
    expect(failsGate({ passed: false, error: null, checks }, 'safety')).toBe(true);
  });

  it('fails an experiment that errored, whatever its checks', () => {
    expect(failsGate({ passed: false, error: 'the fleet did not start', checks: [] }, 'safety')).toBe(true);
  });

  it('is chosen with --gate, all by default; anything else is a usage error', () => {
    expect(parseChaosOptions([]).gate).toBe('all');
    expect(parseChaosOptions(['--gate', 'safety']).gate).toBe('safety');
    expect(() => parseChaosOptions(['--gate', 'lenient'])).toThrow(/--gate must be one of all, safety/);
  });
});
