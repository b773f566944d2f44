// Fault decisions on an explicit clock and a pinned random draw: no sleeps, no chance.
import { jitteredLatency } from '../latency/latency-distribution';
import { parseFaultSettings, type FaultSettings } from './fault-settings';
import { FaultState } from './fault-state';

const DEFAULT_LATENCY = jitteredLatency(15, 0);

function settings(body: unknown): FaultSettings {
  const parsed = parseFaultSettings(body);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.settings;
}

describe('FaultState', () => {
  let now = 0;
  let draw = 0.5;
  const faults = new FaultState(
    () => now,
    () => draw,
  );

  beforeEach(() => {
    now = 0;
    draw = 0.5;
    faults.clearAll();
  });

  it('serves with the default latency when no fault is set', () => {
    expect(faults.decide('fraud', DEFAULT_LATENCY)).toEqual({ kind: 'serve', delayMs: 15 });
  });

  it('fails a request when the draw falls under errorRate, with the usual latency', () => {
    faults.set('fraud', settings({ errorRate: 0.3 }));
    draw = 0.29;
    expect(faults.decide('fraud', DEFAULT_LATENCY)).toEqual({ kind: 'fail', delayMs: 15 });
    draw = 0.3;
    expect(faults.decide('fraud', DEFAULT_LATENCY)).toEqual({ kind: 'serve', delayMs: 15 });
  });

  it('replaces the latency with latencyMs plus a uniform share of jitterMs', () => {
    faults.set('inventory', settings({ latencyMs: 200, jitterMs: 100 }));
    draw = 0.5;
    expect(faults.decide('inventory', DEFAULT_LATENCY)).toEqual({ kind: 'serve', delayMs: 250 });
    faults.set('inventory', settings({ jitterMs: 10 }));
    expect(faults.decide('inventory', DEFAULT_LATENCY)).toEqual({ kind: 'serve', delayMs: 20 });
  });

  it('flaps: down for a period from the moment it is set, then up, then down', () => {
    now = 5_000;
    faults.set('provider-a', settings({ mode: 'flap', flapPeriodMs: 1_000 }));
    const kindAt = (ms: number): string => {
      now = 5_000 + ms;
      return faults.decide('provider-a', DEFAULT_LATENCY).kind;
    };
    expect([kindAt(0), kindAt(999), kindAt(1_000), kindAt(1_999), kindAt(2_000)]).toEqual(['down', 'down', 'serve', 'serve', 'down']);
    now = 6_500;
    expect(faults.list()['provider-a']).toMatchObject({ mode: 'flap', flapPeriodMs: 1_000, currently: 'up' });
  });

  it('leaves other services alone and clears one fault', () => {
    faults.set('provider-a', settings({ mode: 'down' }));
    faults.set('provider-b', settings({ mode: 'hang' }));
    expect(faults.decide('provider-c', DEFAULT_LATENCY).kind).toBe('serve');
    faults.clear('provider-a');
    expect(faults.decide('provider-a', DEFAULT_LATENCY).kind).toBe('serve');
    expect(Object.keys(faults.list())).toEqual(['provider-b']);
  });
});
