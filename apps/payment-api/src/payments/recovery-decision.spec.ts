import type { StoredPayment } from './payment-store';
import { recoveryAction, type RecoveryAction } from './recovery-decision';

const record = (fields: Record<string, string>): StoredPayment => ({ fields: { id: 'p-1', ...fields }, history: [] });

describe('recoveryAction: the recovery table, one row each', () => {
  const rows: [string, StoredPayment | undefined, RecoveryAction][] = [
    ['no record: nothing was sent', undefined, { kind: 'process-anew' }],
    ['RECEIVED, no attempt', record({ status: 'RECEIVED', attempts: '' }), { kind: 'fail-abandoned', ifAttempts: [] }],
    ['RECEIVED, an attempt at provider-a', record({ status: 'RECEIVED', attempts: 'provider-a' }), { kind: 'pending-review', provider: 'provider-a', ifAttempts: ['provider-a'] }],
    ['RECEIVED, attempts at a then b: only the last may have charged', record({ status: 'RECEIVED', attempts: 'provider-a,provider-b' }), { kind: 'pending-review', provider: 'provider-b', ifAttempts: ['provider-a', 'provider-b'] }],
    ['RECEIVED, written before attempts were tracked', record({ status: 'RECEIVED' }), { kind: 'needs-operator', reason: expect.stringMatching(/predates attempt tracking/) as unknown as string }],
    ['RECEIVED, an attempt at an unknown provider', record({ status: 'RECEIVED', attempts: 'provider-z' }), { kind: 'needs-operator', reason: expect.stringMatching(/unknown provider provider-z/) as unknown as string }],
    ['FAILED', record({ status: 'FAILED', attempts: 'provider-a' }), { kind: 'give-back' }],
    ['AUTHORIZED', record({ status: 'AUTHORIZED', provider: 'provider-a' }), { kind: 'answer-from-record', status: 'AUTHORIZED', provider: 'provider-a' }],
    ['DECLINED by the fraud score (no provider)', record({ status: 'DECLINED' }), { kind: 'answer-from-record', status: 'DECLINED', provider: null }],
    ['PENDING_REVIEW at provider-b', record({ status: 'PENDING_REVIEW', provider: 'provider-b' }), { kind: 'answer-from-record', status: 'PENDING_REVIEW', provider: 'provider-b' }],
  ];

  it.each(rows)('%s', (_label, payment, action) => {
    expect(recoveryAction(payment)).toEqual(action);
  });

  it('an unknown status is an error, not a guess', () => {
    expect(() => recoveryAction(record({ status: 'REFUNDED' }))).toThrow(/unknown status REFUNDED/);
  });
});
