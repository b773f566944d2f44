import { REDACTED, redactAuditData } from './pii-redaction';

describe('redactAuditData', () => {
  it('replaces every notification target and keeps the channels and every other field', () => {
    const data = { id: 'p-1', amount: '1299', customerId: 'c-1', notify: JSON.stringify({ email: 'buyer@example.com', sms: '+33612345678' }) };
    const redacted = redactAuditData(data);
    expect(redacted).toEqual({ id: 'p-1', amount: '1299', customerId: 'c-1', notify: JSON.stringify({ email: REDACTED, sms: REDACTED }) });
    expect(JSON.stringify(redacted)).not.toMatch(/buyer|example|3361/);
  });

  it('leaves data without targets as it is, and turns a notify field it cannot read into none', () => {
    expect(redactAuditData({ provider: 'provider-a' })).toEqual({ provider: 'provider-a' });
    expect(redactAuditData({ notify: 'not json buyer@example.com' })).toEqual({ notify: '{}' });
    expect(redactAuditData({ notify: '["buyer@example.com"]' })).toEqual({ notify: '{}' });
  });
});
