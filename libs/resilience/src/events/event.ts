/** Something that can be undone: returned by every subscription. */
export interface Disposable {
  dispose(): void;
}

/** A typed event: call it with a listener, keep the disposable to stop listening. */
export type Event<T> = (listener: (value: T) => void) => Disposable;

/**
 * The emitting side of an {@link Event}. Listeners are held in an array that is copied on
 * change, so emitting while a listener subscribes or disposes is safe, and emitting with no
 * listener costs one length check (the hot path emits on every call).
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
    for (let i = 0; i < current.length; i++) current[i](value);
  }
}
