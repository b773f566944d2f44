// The jest environment of both projects: Node's, made as strict as Node 20 itself, which ends the
// process on any unhandled rejection or uncaught exception. Such an error fails the test file.
//
// Jest 30 fails the test (or hook) an error surfaces in, but it attributes one by the async
// context it came from: an error from a test that has already finished (a detached promise, a
// timer, a socket event) was dropped without a word, and one that surfaced after the file's last
// hook crashed the worker after "PASS", or was lost when the run ended. So this environment
// listens to the real process itself (a setup file cannot: the test's `process` is a copy that
// never sees those events), waits a grace period after the last hook, and adds every error jest
// did not report to the file's errors.
import NodeEnvironment from 'jest-environment-node';

/** Default grace, set per project in `testEnvironmentOptions.lateRejectionGraceMs`. */
export const DEFAULT_LATE_REJECTION_GRACE_MS = 50;

// The parts of jest-circus's state read here (`Circus.State` in @jest/types).
type CircusError = unknown; // an error, or [error, asyncError]
interface CircusTest {
  type: 'test';
  errors: CircusError[];
}
interface CircusBlock {
  type: 'describeBlock';
  children: (CircusBlock | CircusTest)[];
}
interface CircusState {
  rootDescribeBlock: CircusBlock;
  unhandledErrors: CircusError[];
  unhandledRejectionErrorByPromise: Map<Promise<unknown>, CircusError>;
}

export class UnreportedProcessError extends Error {
  override readonly name = 'UnreportedProcessError';

  constructor(
    readonly kind: 'unhandled rejection' | 'uncaught exception',
    readonly reason: unknown,
  ) {
    const detail = reason instanceof Error ? (reason.stack ?? `${reason.name}: ${reason.message}`) : String(reason);
    super(`${kind} in this test file, surfaced after the test that caused it had finished (Node 20 would exit):\n${detail}`);
  }
}

export default class StrictNodeEnvironment extends NodeEnvironment {
  private readonly graceMs: number;
  private readonly seen: UnreportedProcessError[] = [];
  private readonly onRejection = (reason: unknown): void => void this.seen.push(new UnreportedProcessError('unhandled rejection', reason));
  private readonly onException = (error: unknown): void => void this.seen.push(new UnreportedProcessError('uncaught exception', error));

  constructor(...args: ConstructorParameters<typeof NodeEnvironment>) {
    super(...args);
    const configured = args[0].projectConfig.testEnvironmentOptions.lateRejectionGraceMs;
    this.graceMs = typeof configured === 'number' && configured >= 0 ? configured : DEFAULT_LATE_REJECTION_GRACE_MS;
  }

  async handleTestEvent(event: { name: string }, state: CircusState): Promise<void> {
    switch (event.name) {
      case 'setup':
        // After jest's own listeners (it removes every earlier one until the file ends).
        process.on('unhandledRejection', this.onRejection);
        process.on('uncaughtException', this.onException);
        break;
      case 'run_finish':
        // After the last hook, while jest still listens: these are this realm's timers, never
        // the test's fake ones.
        if (this.graceMs > 0) await new Promise((resolve) => setTimeout(resolve, this.graceMs));
        this.reportWhatJestMissed(state);
        break;
      case 'teardown':
        process.off('unhandledRejection', this.onRejection);
        process.off('uncaughtException', this.onException);
        break;
    }
  }

  private reportWhatJestMissed(state: CircusState): void {
    const reported = new Set<unknown>([...state.unhandledErrors, ...state.unhandledRejectionErrorByPromise.values(), ...testErrors(state.rootDescribeBlock)].map(errorOf));
    for (const error of this.seen.splice(0)) if (!reported.has(error.reason)) state.unhandledErrors.push(error);
  }
}

function errorOf(entry: CircusError): unknown {
  return Array.isArray(entry) ? entry[0] : entry;
}

function testErrors(block: CircusBlock): CircusError[] {
  return block.children.flatMap((child) => (child.type === 'test' ? child.errors : testErrors(child)));
}
