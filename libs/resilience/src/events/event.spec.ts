import { EventEmitter, LISTENER_FAILED } from './event';

describe('EventEmitter', () => {
  let emitter: EventEmitter<number>;

  beforeEach(() => {
    emitter = new EventEmitter<number>();
  });

  it('delivers each value to every listener, in subscription order', () => {
    const heard: string[] = [];
    emitter.event((n) => heard.push(`a${n}`));
    emitter.event((n) => heard.push(`b${n}`));

    emitter.emit(1);
    emitter.emit(2);

    expect(heard).toEqual(['a1', 'b1', 'a2', 'b2']);
  });

  it('says whether anyone listens, so the hot path can skip building the value', () => {
    expect(emitter.hasListeners).toBe(false);
    const subscription = emitter.event(() => undefined);
    expect(emitter.hasListeners).toBe(true);
    subscription.dispose();
    expect(emitter.hasListeners).toBe(false);
  });

  it('emits to nobody without complaint', () => {
    expect(() => emitter.emit(1)).not.toThrow();
  });

  describe('dispose', () => {
    it('stops delivery to that listener and to no other', () => {
      const a = jest.fn();
      const b = jest.fn();
      const subscription = emitter.event(a);
      emitter.event(b);
      emitter.emit(1);

      subscription.dispose();
      emitter.emit(2);

      expect(a.mock.calls).toEqual([[1]]);
      expect(b.mock.calls).toEqual([[1], [2]]);
    });

    it('can be called twice without removing anything else', () => {
      const a = jest.fn();
      const b = jest.fn();
      const subscription = emitter.event(a);
      emitter.event(b);

      subscription.dispose();
      subscription.dispose();
      emitter.emit(1);

      expect(a).not.toHaveBeenCalled();
      expect(b.mock.calls).toEqual([[1]]);
    });

    it('undoes only its own subscription when one listener is subscribed twice', () => {
      const listener = jest.fn();
      const first = emitter.event(listener);
      emitter.event(listener);

      first.dispose();
      emitter.emit(1);

      expect(listener).toHaveBeenCalledTimes(1);
      expect(emitter.hasListeners).toBe(true);
    });
  });

  describe('while emitting', () => {
    it('lets a listener dispose itself without the next listener missing the value', () => {
      const heard: string[] = [];
      const once = emitter.event((n) => {
        heard.push(`once${n}`);
        once.dispose();
      });
      emitter.event((n) => heard.push(`next${n}`));

      emitter.emit(1);
      emitter.emit(2);

      expect(heard).toEqual(['once1', 'next1', 'next2']);
    });

    it('finishes the current value for a listener another one disposed (as Node does), then stops', () => {
      const heard: string[] = [];
      emitter.event((n) => {
        heard.push(`first${n}`);
        second.dispose();
      });
      const second = emitter.event((n) => heard.push(`second${n}`));

      emitter.emit(1);
      emitter.emit(2);

      expect(heard).toEqual(['first1', 'second1', 'first2']);
    });

    it('delivers to a listener subscribed during an emit from the next value on', () => {
      const heard: string[] = [];
      let subscribed = false;
      emitter.event((n) => {
        heard.push(`outer${n}`);
        if (!subscribed) {
          subscribed = true;
          emitter.event((m) => heard.push(`inner${m}`));
        }
      });

      emitter.emit(1);
      emitter.emit(2);

      expect(heard).toEqual(['outer1', 'outer2', 'inner2']);
    });
  });

  describe('a listener that throws', () => {
    let warnings: { message: string; code: unknown }[];

    beforeEach(() => {
      warnings = [];
      jest.spyOn(process, 'emitWarning').mockImplementation((warning: string | Error, options?: unknown) => {
        const code = typeof options === 'object' && options !== null && 'code' in options ? options.code : undefined;
        warnings.push({ message: String(warning), code });
      });
    });

    afterEach(() => {
      jest.restoreAllMocks();
    });

    it('does not reach the emitter, the other listeners still hear the value, and it is reported once', () => {
      const after = jest.fn();
      emitter.event(() => {
        throw new Error('a metrics binder bug');
      });
      emitter.event(after);

      expect(() => emitter.emit(1)).not.toThrow();
      emitter.emit(2);

      expect(after.mock.calls).toEqual([[1], [2]]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ code: LISTENER_FAILED });
      expect(warnings[0].message).toContain('a metrics binder bug');
    });
  });
});
