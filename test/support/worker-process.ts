// Drives one test/fixtures/breaker-worker.ts process: spawned as `node --import tsx` from the
// repository root, over the worker's line-based JSON protocol on stdin/stdout (see the worker).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BreakerState } from '@breakwater/resilience';

const ROOT = join(__dirname, '..', '..');
const WORKER_FILE = join(ROOT, 'test', 'fixtures', 'breaker-worker.ts');
const REPLY_TIMEOUT_MS = 5_000;
const PROPAGATION_TIMEOUT_MS = 3_000;
const OUTPUT_LIMIT = 8_192;

export type Message = Record<string, unknown>;

interface Waiter {
  matches(message: Message): boolean;
  resolve(message: Message): void;
  reject(error: Error): void;
}

/** One breaker-worker process and its side of the protocol. */
export class WorkerProcess {
  readonly events: Message[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Waiter>();
  private readonly eventWaiters = new Set<Waiter>();
  private nextId = 0;
  private stderr = '';
  private exit: string | undefined;

  constructor(
    readonly instanceId: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', WORKER_FILE], {
      cwd: ROOT,
      env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'), INSTANCE_ID: instanceId, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    liveChildren.add(this.child);
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    });
    this.child.stdin.on('error', () => undefined); // writing to a dead child is reported by 'exit'
    createInterface({ input: this.child.stdout }).on('line', (line) => this.receive(line));
    this.child.on('error', (error) => this.fail(`could not be spawned: ${error.message}`));
    this.child.on('exit', (code, signal) => {
      liveChildren.delete(this.child);
      this.fail(`exited (code ${code}, signal ${signal})`);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** How the worker ended (`exited (code 1, signal null)`), or undefined while it runs. */
  get exitReason(): string | undefined {
    return this.exit;
  }

  /** Sends one command and resolves with the reply; rejects (with stderr) on ok:false, exit or timeout. */
  async request(cmd: string, fields: Message = {}, timeoutMs = REPLY_TIMEOUT_MS): Promise<Message> {
    if (this.exit !== undefined) throw this.error(`cannot send ${cmd}: the worker ${this.exit}`);
    const id = ++this.nextId;
    const reply = await this.await(`a reply to ${cmd} (id ${id})`, timeoutMs, (waiter) => {
      this.pending.set(id, waiter);
      this.child.stdin.write(`${JSON.stringify({ id, cmd, ...fields })}\n`);
      return () => this.pending.delete(id);
    });
    if (reply.ok !== true) throw this.error(`${cmd} failed: ${String(reply.error)}`);
    return reply;
  }

  /** The first event (already received or still to come) from index `from` on that matches. */
  waitForEvent(what: string, matches: (event: Message) => boolean, from = 0, timeoutMs = PROPAGATION_TIMEOUT_MS): Promise<Message> {
    const seen = this.events.slice(from).find(matches);
    if (seen !== undefined) return Promise.resolve(seen);
    return this.await(what, timeoutMs, (waiter) => {
      this.eventWaiters.add(waiter);
      return () => this.eventWaiters.delete(waiter);
    }, matches);
  }

  waitForState(to: BreakerState, from: number): Promise<Message> {
    return this.waitForEvent(`a state event to ${to}`, (e) => e.event === 'state' && e.to === to, from);
  }

  /** Asks the worker to exit; kills it if it does not within a second. Safe to repeat. */
  async stop(): Promise<void> {
    if (this.exit === undefined) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.stdin.write(`${JSON.stringify({ id: 0, cmd: 'exit' })}\n`);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 1_000);
      await exited;
      clearTimeout(timer);
    }
  }

  /** Everything that helps explain a failure: pid, exit, the events received and the stderr. */
  describe(): string {
    const events = this.events.map((e) => `  ${JSON.stringify(e)}`).join('\n') || '  (none)';
    const stderr = this.stderr.trim() || '(empty)';
    return `--- ${this.instanceId} (pid ${this.pid ?? '?'}${this.exit ? `, ${this.exit}` : ''}) ---\nevents:\n${events}\nstderr:\n${stderr}`;
  }

  error(message: string): Error {
    return new Error(`${this.instanceId}: ${message}\n${this.describe()}`);
  }

  private await(what: string, timeoutMs: number, register: (waiter: Waiter) => () => void, matches: (m: Message) => boolean = () => true): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      let unregister: () => void = () => undefined;
      const timer = setTimeout(() => {
        unregister();
        reject(this.error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        unregister();
      };
      unregister = register({
        matches,
        resolve: (m) => {
          settle();
          resolve(m);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      });
    });
  }

  private receive(line: string): void {
    let message: Message;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
      message = parsed as Message;
    } catch {
      this.stderr = `${this.stderr}[stdout, not protocol] ${line}\n`.slice(-OUTPUT_LIMIT);
      return;
    }
    if (typeof message.id === 'number') {
      this.pending.get(message.id)?.resolve(message);
      return;
    }
    this.events.push(message);
    for (const waiter of [...this.eventWaiters]) if (waiter.matches(message)) waiter.resolve(message);
  }

  private fail(reason: string): void {
    this.exit ??= reason;
    const error = this.error(`the worker ${reason}`);
    for (const waiter of [...this.pending.values(), ...this.eventWaiters]) waiter.reject(error);
  }
}

/** A crashed or interrupted test run must not leave workers behind. */
const liveChildren = new Set<ChildProcessWithoutNullStreams>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});
