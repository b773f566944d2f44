/** Something that can be undone: returned by every subscription. */
export interface Disposable {
  dispose(): void;
}

/** A typed event: call it with a listener, keep the disposable to stop listening. */
export type Event<T> = (listener: (value: T) => void) => Disposable;

/** The `code` of the process warning that reports a listener that threw. */
export const LISTENER_FAILED = 'BW_LISTENER_FAILED';

/** Listeners already reported: one that throws on every call warns once, not once per call. */
const reportedListeners = new WeakSet<object>();

function reportListenerFailure(listener: object, error: unknown): void {
  if (reportedListeners.has(listener)) return;
  reportedListeners.add(listener);
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.emitWarning(`an event listener threw, and the others still ran: ${detail}`, { type: 'BreakwaterWarning', code: LISTENER_FAILED });
}

/**
 * The emitting side of an {@link Event}. Listeners are held in an array that is copied on
 * change, so emitting while a listener subscribes or disposes is safe, and emitting with no
 * listener costs one length check (the hot path emits on every call).
 *
 * A listener that throws is reported as a process warning (once per listener) and the rest still
 * run: events are emitted from a call's hot path, from Redis connection events and from timers,
 * where an exception would fail an unrelated call or end the process, on every instance at once.
 */
export class EventEmitter<T> {
  private listeners: ReadonlyArray<(value: T) => void> = [];

  readonly event: Event<T> = (listener) => {
    this.listeners = [...this.listeners, listener];
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        // Only this subscription: the same function may be subscribed more than once.
        const index = this.listeners.indexOf(listener);
        if (index >= 0) this.listeners = [...this.listeners.slice(0, index), ...this.listeners.slice(index + 1)];
      },
    };
  };

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  emit(value: T): void {
    const current = this.listeners;
    for (let i = 0; i < current.length; i++) {
      const listener = current[i];
      try {
        listener(value);
      } catch (error) {
        reportListenerFailure(listener, error);
      }
    }
  }
}
