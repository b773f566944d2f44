// Runs the fleet's parts as child processes: every output line goes to our stderr prefixed with
// the part's name, the last lines are kept for error messages, and every child still running is
// stopped on stopAll() and SIGKILLed if this process exits without stopping them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

const KEPT_LINES = 40;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;

export interface ChildSpec {
  /** Prefix of its output lines and the name in error messages: `redis`, `sim`, `api-1`, `lb`. */
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Higher stops first: the load balancer, then the instances, then what they depend on. */
  stopOrder: number;
  /** Default SIGTERM. */
  stopSignal?: NodeJS.Signals;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all (e.g. ENOENT). */
  spawnError?: Error;
}

export type LineListener = (line: string, stream: 'stdout' | 'stderr') => void;

/** One supervised child. */
export class ManagedProcess {
  readonly exited: Promise<ChildExit>;
  private exit: ChildExit | undefined;
  private readonly lines: string[] = [];
  private readonly listeners = new Set<LineListener>();

  constructor(
    readonly spec: ChildSpec,
    private readonly child: ChildProcess,
    echo: (line: string) => void,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        // 'error' without 'exit' means the spawn itself failed.
        if (child.pid === undefined) this.finish({ code: null, signal: null, spawnError: error }, resolve);
      });
      child.once('exit', (code, signal) => this.finish({ code, signal }, resolve));
    });
    const follow = (stream: Readable | null, kind: 'stdout' | 'stderr'): void => {
      if (stream === null) return;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        this.lines.push(line);
        if (this.lines.length > KEPT_LINES) this.lines.shift();
        echo(`[${spec.name}] ${line}`);
        for (const listener of this.listeners) listener(line, kind);
      });
    };
    follow(child.stdout, 'stdout');
    follow(child.stderr, 'stderr');
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  isRunning(): boolean {
    return this.exit === undefined && this.child.pid !== undefined;
  }

  /** How it ended, once it has. */
  exitInfo(): ChildExit | undefined {
    return this.exit;
  }

  /** The last output lines (both streams, in arrival order). */
  lastLines(): readonly string[] {
    return [...this.lines];
  }

  /** Calls `listener` for every later output line; the returned function unsubscribes. */
  onLine(listener: LineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends the stop signal, waits, and SIGKILLs it after `timeoutMs`. */
  async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
    if (!this.isRunning()) return;
    this.signal(this.spec.stopSignal ?? 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.signal('SIGKILL');
      await this.exited;
    }
  }

  /** SIGKILL now, without waiting (for the process 'exit' hook). */
  killNow(): void {
    if (this.isRunning()) this.signal('SIGKILL');
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  private finish(exit: ChildExit, resolve: (exit: ChildExit) => void): void {
    if (this.exit !== undefined) return;
    this.exit = exit;
    resolve(exit);
  }
}

export function describeExit(exit: ChildExit): string {
  if (exit.spawnError !== undefined) return `could not be spawned (${exit.spawnError.message})`;
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** All children of one fleet. */
export class Supervisor {
  private readonly children: ManagedProcess[] = [];
  private stopping = false;
  private readonly stopController = new AbortController();

  constructor(private readonly echo: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {
    process.once('exit', () => {
      for (const child of this.children) child.killNow();
    });
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Aborted when stopAll() begins: waits that must not outlive the fleet (restart backoff) end on it. */
  get stopSignal(): AbortSignal {
    return this.stopController.signal;
  }

  /** Spawns a child; refused once stopAll() has begun, so a late start cannot outlive the fleet. */
  start(spec: ChildSpec): ManagedProcess {
    if (this.stopping) throw new Error(`not starting ${spec.name}: the fleet is stopping`);
    // Same process group as the launcher: a signal to the group (Ctrl-C, `kill -- -pgid`) reaches
    // every part even if the launcher itself is SIGKILLed.
    const child = spawn(spec.command, [...spec.args], { cwd: spec.cwd, env: spec.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const managed = new ManagedProcess(spec, child, this.echo);
    this.children.push(managed);
    return managed;
  }

  running(): ManagedProcess[] {
    return this.children.filter((child) => child.isRunning());
  }

  /** Stops every child, highest stopOrder first; children of one order stop together. */
  async stopAll(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
    this.stopping = true;
    this.stopController.abort();
    const orders = [...new Set(this.children.map((child) => child.spec.stopOrder))].sort((a, b) => b - a);
    for (const order of orders) {
      await Promise.all(this.children.filter((child) => child.spec.stopOrder === order).map((child) => child.stop(timeoutMs)));
    }
  }
}
