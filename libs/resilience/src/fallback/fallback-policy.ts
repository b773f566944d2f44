import type { ProtectedCall } from '../breaker/breaker';
import { EventEmitter } from '../events/event';
import { NEVER_ABORTED, type AnsweringPolicy } from '../policy/policy';

export interface FallbackUsed {
  policy: string;
  error: unknown;
}

/** What to answer instead; receives the error the chain ended with. */
export type FallbackHandler<R> = (error: unknown, signal: AbortSignal | undefined) => R | Promise<R>;

/**
 * Answers with `handler` when the chain inside fails with an error that `handles` accepts
 * (every error by default). The original error is the handler's first argument. A call returning
 * `T` gives `T | R`: the handler's answer need not be of the call's type.
 */
export class FallbackPolicy<R> implements AnsweringPolicy<R> {
  private readonly used = new EventEmitter<FallbackUsed>();
  readonly onFallback = this.used.event;

  constructor(
    readonly name: string,
    readonly handler: FallbackHandler<R>,
    private readonly handles: (error: unknown) => boolean = () => true,
  ) {}

  async execute<T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T | R> {
    try {
      return await call(signal ?? NEVER_ABORTED);
    } catch (error) {
      if (!this.handles(error)) throw error;
      if (this.used.hasListeners) this.used.emit({ policy: this.name, error });
      return this.handler(error, signal);
    }
  }
}

export const fallback = <R>(name: string, handler: FallbackHandler<R>, handles?: (error: unknown) => boolean): FallbackPolicy<R> => new FallbackPolicy(name, handler, handles);
