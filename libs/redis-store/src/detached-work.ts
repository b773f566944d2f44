/** The `code` of the process warning that reports a failure of detached work. */
export const DETACHED_WORK_FAILED = 'BW_DETACHED_WORK_FAILED';

/**
 * Runs work that nobody awaits: a timer's sync or flush, a reconnect, a pub/sub message. Redis
 * failures are handled inside it; what can still escape is a bug, typically a state-change
 * listener that throws. Every instance runs the same work at the same moment, so letting that end
 * the process (Node 20 does, on an unhandled rejection) would end the whole fleet: it becomes a
 * process warning instead, which Node prints to stderr.
 */
export function runDetached(what: string, work: () => Promise<unknown> | void): void {
  const warn = (error: unknown): void => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.emitWarning(`fleet breakers: ${what} failed, and the fleet goes on: ${detail}`, { type: 'FleetBreakersWarning', code: DETACHED_WORK_FAILED });
  };
  try {
    work()?.catch(warn);
  } catch (error) {
    warn(error);
  }
}
