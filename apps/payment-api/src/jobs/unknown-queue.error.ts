/** `POST /queues/:name/dead-letter/replay` for a queue that does not exist (the controller's 404). */
export class UnknownQueueError extends Error {
  readonly code = 'UNKNOWN_QUEUE';

  constructor(readonly queue: string) {
    super(`no queue named ${queue}`);
    this.name = 'UnknownQueueError';
  }
}

export const isUnknownQueueError = (error: unknown): error is UnknownQueueError => error instanceof UnknownQueueError;
