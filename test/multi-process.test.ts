// Given three OS processes sharing one fleet breaker over one Redis, when the provider fails
// across them, then all three open; after the open interval the fleet lets exactly
// halfOpenPermits probes through in total, however many calls each process tries; and when the
// probes pass, all three close.
//
// Each instance is test/fixtures/breaker-worker.ts, spawned as `node --import tsx` from the
// repository root and driven over a line-based JSON protocol on stdin/stdout (see the worker).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Redis from 'ioredis';
import { breakerKeys } from '@breakwater/redis-store';
import { BreakerState } from '@breakwater/resilience';
import { redisUrl, uniquePrefix } from './support/redis-server';

const ROOT = join(__dirname, '..');
const WORKER_FILE = join(__dirname, 'fixtures', 'breaker-worker.ts');
const BREAKER = 'provider-a';
const CONFIG = {
  minimumCalls: 20,
  openBaseMs: 2_000,
  openJitter: 0,
  halfOpenPermits: 3,
  halfOpenSuccessThreshold: 2,
  // Probes are held open while the others try; they must not count as slow meanwhile.
  slowCallDurationMs: 5_000,
};
const FAILURES_PER_INSTANCE = 7; // 3 x 7 = 21 >= minimumCalls, while 7 and 14 are below it
const TRIES_PER_INSTANCE = 4;
const FLUSH_INTERVAL_MS = 50; // DEFAULT_FLUSH_INTERVAL_MS of the fleet
const START_TIMEOUT_MS = 15_000;
const REPLY_TIMEOUT_MS = 5_000;
const PROPAGATION_TIMEOUT_MS = 3_000;
const OUTPUT_LIMIT = 8_192;

type Message = Record<string, unknown>;

interface Waiter {
  matches(message: Message): boolean;
  resolve(message: Message): void;
  reject(error: Error): void;
}

/** One breaker-worker process and its side of the protocol. */
class WorkerProcess {
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

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a fleet breaker shared by three OS processes over one Redis', () => {
  const keyPrefix = uniquePrefix('multi-process');
  const keys = breakerKeys(keyPrefix, BREAKER);
  const workers: WorkerProcess[] = [];
  let redis: Redis;

  /** Runs a step; any failure carries every worker's events and stderr. */
  async function step<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const report = workers.map((w) => w.describe()).join('\n');
      if (error instanceof Error) {
        error.message = `${error.message}\n\n=== workers ===\n${report}`;
        throw error;
      }
      throw new Error(`${String(error)}\n\n=== workers ===\n${report}`);
    }
  }

  const states = (): Promise<unknown[]> => Promise.all(workers.map(async (w) => (await w.request('state')).state));
  const fleetState = async (): Promise<Record<string, string>> => redis.hgetall(keys.state);
  const localModeEvents = (): Message[] => workers.flatMap((w) => w.events.filter((e) => e.event === 'mode' && e.mode === 'local'));

  beforeAll(async () => {
    redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
    const env = { REDIS_URL: redisUrl(), KEY_PREFIX: keyPrefix, BREAKER_NAME: BREAKER, BREAKER_CONFIG: JSON.stringify(CONFIG) };
    for (const id of ['instance-a', 'instance-b', 'instance-c']) workers.push(new WorkerProcess(id, env));
    await step(() => Promise.all(workers.map((w) => w.waitForEvent('the ready line', (e) => e.event === 'ready', 0, START_TIMEOUT_MS))));
  }, START_TIMEOUT_MS + 5_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    if (redis !== undefined) {
      const stale = await redis.keys(`${keyPrefix}*`); // only this run's keys: the prefix is unique
      if (stale.length > 0) await redis.del(...stale);
      redis.disconnect();
    }
  });

  it('opens in every process when failures spread across them reach minimumCalls together', () =>
    step(async () => {
      const [a, b, c] = workers;
      expect(workers.map((w) => w.events.find((e) => e.event === 'ready')?.mode)).toEqual(['fleet', 'fleet', 'fleet']);
      expect(await states()).toEqual([BreakerState.CLOSED, BreakerState.CLOSED, BreakerState.CLOSED]);

      // 14 failures from two processes: below minimumCalls, so nobody opens.
      expect(await a.request('fail', { n: FAILURES_PER_INSTANCE })).toMatchObject({ admitted: FAILURES_PER_INSTANCE });
      expect(await b.request('fail', { n: FAILURES_PER_INSTANCE })).toMatchObject({ admitted: FAILURES_PER_INSTANCE });
      await sleep(FLUSH_INTERVAL_MS * 6);
      expect(await states()).toEqual([BreakerState.CLOSED, BreakerState.CLOSED, BreakerState.CLOSED]);
      expect((await fleetState()).state ?? BreakerState.CLOSED).toBe(BreakerState.CLOSED);

      // The third process's 7 make 21 fleet-wide: every process learns that the breaker opened.
      expect(await c.request('fail', { n: FAILURES_PER_INSTANCE })).toMatchObject({ admitted: FAILURES_PER_INSTANCE });
      const opened = await Promise.all(workers.map((w) => w.waitForState(BreakerState.OPEN, 0)));
      expect(opened.map((e) => e.mode)).toEqual(['fleet', 'fleet', 'fleet']);
      expect((await fleetState()).state).toBe(BreakerState.OPEN);

      // And every process now refuses calls without running them.
      const tries = await Promise.all(workers.map((w) => w.request('try')));
      expect(tries.map((t) => t.admitted)).toEqual([false, false, false]);
      expect(localModeEvents()).toEqual([]);
    }));

  it(`lets exactly ${CONFIG.halfOpenPermits} probes through fleet-wide once the open interval has passed`, () =>
    step(async () => {
      expect(await states()).toEqual([BreakerState.OPEN, BreakerState.OPEN, BreakerState.OPEN]);
      const retryAfter = await Promise.all(workers.map(async (w) => Number(((await w.request('state')).snapshot as Message | undefined)?.retryAfterMs)));
      expect(retryAfter.every((ms) => Number.isFinite(ms) && ms <= CONFIG.openBaseMs)).toBe(true);
      await sleep(Math.max(...retryAfter) + 100);

      // Permits are the fleet's, not one per process: the first instance to ask may take several.
      // Admitted calls keep running (held) until released, so no verdict frees or ends anything.
      const attempts: { instance: string; round: string; reply: Message }[] = [];
      const [first] = workers;
      for (let i = 0; i < 2; i++) attempts.push({ instance: first.instanceId, round: `alone ${i}`, reply: await first.request('try', { hold: true }) });

      // Then every process tries several calls, the processes concurrently: one permit is left.
      for (let round = 0; round < TRIES_PER_INSTANCE; round++) {
        const replies = await Promise.all(workers.map((w) => w.request('try', { hold: true })));
        replies.forEach((reply, i) => attempts.push({ instance: workers[i].instanceId, round: `together ${round}`, reply }));
      }
      const admitted = attempts.filter((a) => a.reply.admitted === true);
      const summary = attempts.map((a) => `${a.instance} ${a.round}: ${a.reply.admitted === true ? 'admitted' : 'refused'}`).join('; ');
      expect({ admittedAlone: admitted.filter((a) => a.round.startsWith('alone')).length, admitted: admitted.length, summary }).toEqual({
        admittedAlone: 2,
        admitted: CONFIG.halfOpenPermits,
        summary,
      });
      expect(admitted.map((a) => a.reply.stateAtStart)).toEqual(admitted.map(() => BreakerState.HALF_OPEN));
      expect(await fleetState()).toMatchObject({ state: BreakerState.HALF_OPEN, permitsIssued: String(CONFIG.halfOpenPermits) });

      // Let the held calls finish (successfully): every call that ran was a probe.
      const released = await Promise.all(workers.map((w) => w.request('release')));
      const kinds = released.flatMap((r) => (Array.isArray(r.kinds) ? r.kinds : []));
      expect(kinds).toEqual(Array.from({ length: CONFIG.halfOpenPermits }, () => 'probe'));
      expect(localModeEvents()).toEqual([]);
    }));

  it('closes in every process once the probes succeed', () =>
    step(async () => {
      // The release above let the probes pass; halfOpenSuccessThreshold of them close the breaker.
      await Promise.all(workers.map((w) => w.waitForState(BreakerState.CLOSED, 0)));
      expect(await states()).toEqual([BreakerState.CLOSED, BreakerState.CLOSED, BreakerState.CLOSED]);
      expect((await fleetState()).state).toBe(BreakerState.CLOSED);

      const calls = await Promise.all(workers.map((w) => w.request('succeed', { n: 3 })));
      expect(calls.map((r) => r.admitted)).toEqual([3, 3, 3]);
      expect(localModeEvents()).toEqual([]);
    }));
});
