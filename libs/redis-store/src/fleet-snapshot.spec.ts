import { parseScriptReply, parseTransitionMessage, UnexpectedReplyError } from './fleet-snapshot';

describe('script replies and transition messages', () => {
  it('parses the snapshot reply of every breaker script', () => {
    expect(parseScriptReply([1, 'OPEN', 4, 950, 30, 20, 1, 2, 0, 'probe-failed', 50, 'failure-rate', 4_050, 25, 14, 0, '1764608400.123456'])).toEqual({
      code: 1,
      snapshot: {
        state: 'OPEN',
        version: 4,
        retryAfterMs: 950,
        openSteps: 2,
        totals: { calls: 30, failures: 20, slowCalls: 1, consecutive: 0 },
        lastChange: { reason: 'probe-failed', agoMs: 50 },
        lastTrip: { reason: 'failure-rate', agoMs: 4_050, calls: 25, failures: 14, slowCalls: 0 },
        incarnation: '1764608400.123456',
      },
    });
  });

  it('leaves out the history of a breaker that never changed or never tripped', () => {
    const { snapshot } = parseScriptReply([1, 'CLOSED', 0, 0, 3, 0, 0, 0, 0, '', -1, '', -1, 0, 0, 0, '1.000001']);
    expect(snapshot).not.toHaveProperty('lastChange');
    expect(snapshot).not.toHaveProperty('lastTrip');
    expect(parseScriptReply([1, 'FORCED_OPEN', 1, 1000, 0, 0, 0, 0, 0, 'forced-open', 0, '', -1, 0, 0, 0, '1.000001']).snapshot).toMatchObject({ lastChange: { reason: 'forced-open', agoMs: 0 } });
  });

  it('refuses a reply of another shape instead of guessing', () => {
    expect(() => parseScriptReply([1, 'AJAR', 4, 0, 0, 0, 0, 0, 0, '', -1, '', -1, 0, 0, 0, '1.000001'])).toThrow(UnexpectedReplyError);
    // The replies of the scripts before they kept the trip, and before the incarnation: other releases' scripts.
    expect(() => parseScriptReply([1, 'OPEN', 4, 950, 30, 20, 1, 2, 0])).toThrow(UnexpectedReplyError);
    expect(() => parseScriptReply([1, 'OPEN', 4, 950, 30, 20, 1, 2, 0, 'probe-failed', 50, 'failure-rate', 4_050, 25, 14, 0])).toThrow(UnexpectedReplyError);
    expect(() => parseScriptReply('OK')).toThrow(/unexpected breaker script reply/);
  });

  it('parses a transition message and ignores malformed ones', () => {
    expect(parseTransitionMessage('{"name":"fraud","state":"HALF_OPEN","version":7,"retryAfterMs":0,"openSteps":1,"reason":"open-interval-elapsed"}')).toEqual({
      name: 'fraud',
      snapshot: { state: 'HALF_OPEN', version: 7, retryAfterMs: 0, openSteps: 1, lastChange: { reason: 'open-interval-elapsed', agoMs: 0 } },
    });
    expect(parseTransitionMessage('{"name":"fraud","state":"CLOSED","version":1,"incarnation":"1764608400.123456"}')?.snapshot.incarnation).toBe('1764608400.123456');
    expect(parseTransitionMessage('not json')).toBeUndefined();
    expect(parseTransitionMessage('{"name":"fraud","state":"NOPE","version":1}')).toBeUndefined();
    expect(parseTransitionMessage('null')).toBeUndefined();
  });

  it('takes the trip a transition message carries, and leaves out a reason it does not know', () => {
    const message = { name: 'fraud', state: 'OPEN', version: 3, retryAfterMs: 5000, openSteps: 1, reason: 'failure-rate', trip: { reason: 'failure-rate', agoMs: 0, calls: 20, failures: 11, slowCalls: 2 } };
    expect(parseTransitionMessage(JSON.stringify(message))?.snapshot.lastTrip).toEqual({ reason: 'failure-rate', agoMs: 0, calls: 20, failures: 11, slowCalls: 2 });
    expect(parseTransitionMessage(JSON.stringify({ ...message, reason: 'gremlins', trip: { reason: 'gremlins' } }))?.snapshot).toEqual({ state: 'OPEN', version: 3, retryAfterMs: 5000, openSteps: 1 });
  });
});
