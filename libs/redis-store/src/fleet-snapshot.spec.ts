import { parseScriptReply, parseTransitionMessage, UnexpectedReplyError } from './fleet-snapshot';

describe('script replies and transition messages', () => {
  it('parses the snapshot reply of every breaker script', () => {
    expect(parseScriptReply([1, 'OPEN', 4, 950, 30, 20, 1, 2, 0])).toEqual({
      code: 1,
      snapshot: { state: 'OPEN', version: 4, retryAfterMs: 950, openSteps: 2, totals: { calls: 30, failures: 20, slowCalls: 1, consecutive: 0 } },
    });
  });

  it('refuses a reply of another shape instead of guessing', () => {
    expect(() => parseScriptReply([1, 'AJAR', 4, 0, 0, 0, 0, 0, 0])).toThrow(UnexpectedReplyError);
    expect(() => parseScriptReply('OK')).toThrow(/unexpected breaker script reply/);
  });

  it('parses a transition message and ignores malformed ones', () => {
    expect(parseTransitionMessage('{"name":"fraud","state":"HALF_OPEN","version":7,"retryAfterMs":0,"openSteps":1,"reason":"x"}')).toEqual({
      name: 'fraud',
      snapshot: { state: 'HALF_OPEN', version: 7, retryAfterMs: 0, openSteps: 1 },
    });
    expect(parseTransitionMessage('not json')).toBeUndefined();
    expect(parseTransitionMessage('{"name":"fraud","state":"NOPE","version":1}')).toBeUndefined();
    expect(parseTransitionMessage('null')).toBeUndefined();
  });
});
