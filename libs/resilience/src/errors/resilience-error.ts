/**
 * Base class of every error Breakwater throws on purpose. `code` is stable and crosses process
 * boundaries (logs, HTTP answers, job payloads) where `instanceof` cannot.
 */
export abstract class ResilienceError extends Error {
  abstract readonly code: string;

  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
