import { ResilienceError } from './resilience-error';

class LedgerUnavailableError extends ResilienceError {
  readonly code = 'LEDGER_UNAVAILABLE';

  constructor() {
    super('ledger unavailable');
  }
}

describe('ResilienceError', () => {
  it('names each error after its own class, so logs say which one it was', () => {
    const error = new LedgerUnavailableError();

    expect(error.name).toBe('LedgerUnavailableError');
    expect(error.code).toBe('LEDGER_UNAVAILABLE');
    expect(error.message).toBe('ledger unavailable');
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toBe('LedgerUnavailableError: ledger unavailable');
  });
});
