// A payment stack for end-to-end scenarios: the downstream simulator in this process, and N
// payment-api instances as real child processes (`node --import tsx apps/payment-api/src/main.ts`)
// sharing one Redis under a key prefix of their own. Tests talk to it over HTTP only.
//
//   const stack = new PaymentStack({ label: 'failover', instances: 3 });
//   beforeAll(() => stack.start(), STACK_START_TIMEOUT_MS);
//   afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);
//   it('...', stack.scenario(async () => { ... }));
//
// `scenario` adds every instance's stderr (and exit, if one died) to a failing test's message,
// and fails the test if an instance died while it ran.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startSimulator, type RunningSimulator } from '../../../apps/downstream-sim/src/simulator';
import type { DownstreamName } from '../../../apps/payment-api/src/config/downstream-config';
import { deleteKeysByPrefix, redisUrl, startRedisServer, uniquePrefix, type RedisServerHandle } from '../../support/redis-server';

const ROOT = join(__dirname, '..', '..', '..');
const API_MAIN = join(ROOT, 'apps', 'payment-api', 'src', 'main.ts');
const SHIPPED_DOWNSTREAMS = join(ROOT, 'apps', 'payment-api', 'config', 'downstreams.json');
const READY_LINE = /^API READY (\{.*\})\s*$/;
const OUTPUT_LIMIT = 16_384;
/** Generous: a couple of NestJS apps compile (tsx) and boot at once on a small machine. */
const API_START_TIMEOUT_MS = 45_000;
/** SIGTERM gives running jobs 5 s (CLOSE_GRACE_MS); we do not wait for all of it. */
const API_STOP_GRACE_MS = 3_000;

/** For beforeAll / afterAll. */
export const STACK_START_TIMEOUT_MS = 60_000;
export const STACK_STOP_TIMEOUT_MS = 30_000;

/**
 * Test-friendly settings every instance gets unless a stack overrides them: short job locks,
 * provider breakers that trip after 5 calls, provider timeouts short enough for a hung provider
 * to cost well under the payment deadline.
 */
export const TEST_ENV: Readonly<Record<string, string>> = Object.freeze({
  // The scenarios read GET /breakers and /queues as an observer would; operator-auth.test.ts
  // runs with the default (token) and tests the authentication itself.
  OPERATOR_AUTH: 'off',
  JOB_LOCK_MS: '2000',
  DOWNSTREAM_PROVIDER_A_TIMEOUT_MS: '800',
  DOWNSTREAM_PROVIDER_B_TIMEOUT_MS: '800',
  DOWNSTREAM_PROVIDER_C_TIMEOUT_MS: '800',
  DOWNSTREAM_PROVIDER_A_BREAKER_MINIMUM_CALLS: '5',
  DOWNSTREAM_PROVIDER_B_BREAKER_MINIMUM_CALLS: '5',
  DOWNSTREAM_PROVIDER_C_BREAKER_MINIMUM_CALLS: '5',
});

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * Settings merged over the shipped `apps/payment-api/config/downstreams.json`, per downstream. For
 * settings the file does not name (e.g. `breaker.openBaseMs`): DOWNSTREAM_<NAME>_<SETTING> only
 * overrides values that are in the file.
 */
export type DownstreamOverrides = Partial<Record<DownstreamName, JsonObject>>;

export interface StackOptions {
  /** Names the key prefix, temp dir and instance ids. */
  label: string;
  /** payment-api processes; default 2. */
  instances?: number;
  /** Environment for every instance, over TEST_ENV. */
  env?: Record<string, string>;
  /** Written to a private downstreams file (DOWNSTREAMS_CONFIG). */
  downstreams?: DownstreamOverrides;
  /** A private redis-server the test may kill; default: the shared one (redisUrl()). */
  privateRedis?: boolean;
  /** Share the simulator of this (already started) stack instead of starting one; stop() leaves it running. */
  simOf?: PaymentStack;
}

/** One payment-api child process. */
export class ApiProcess {
  url = '';
  private readonly child: ChildProcess;
  private stderr = '';
  private stdout = '';
  private exit: string | undefined;
  private readonly exited: Promise<void>;

  constructor(
    readonly instanceId: string,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', API_MAIN], {
      cwd: ROOT,
      env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'), INSTANCE_ID: instanceId, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    liveChildren.add(this.child);
    this.exited = new Promise<void>((resolve) => {
      this.child.once('exit', (code, signal) => {
        liveChildren.delete(this.child);
        this.exit = `exited with code ${code}, signal ${signal}`;
        resolve();
      });
    });
    this.child.once('error', (error) => {
      this.exit ??= `could not be spawned: ${error.message}`;
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    });
    if (this.child.stdout) {
      createInterface({ input: this.child.stdout }).on('line', (line) => {
        this.stdout = `${this.stdout}${line}\n`.slice(-OUTPUT_LIMIT);
      });
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Its stderr so far (the last OUTPUT_LIMIT characters): the operator log. */
  get stderrText(): string {
    return this.stderr;
  }

  /** Resolves with the url of its `API READY` line; rejects with its output if it exits or takes too long. */
  async ready(timeoutMs = API_START_TIMEOUT_MS): Promise<string> {
    const started = Date.now();
    for (;;) {
      const line = this.stdout.split('\n').find((l) => READY_LINE.test(l));
      if (line !== undefined) {
        const parsed: unknown = JSON.parse(READY_LINE.exec(line)?.[1] ?? '{}');
        const url = typeof parsed === 'object' && parsed !== null ? (parsed as { url?: unknown }).url : undefined;
        if (typeof url !== 'string') throw new Error(`${this.instanceId}: its READY line has no url: ${line}\n${this.describe()}`);
        this.url = url;
        return url;
      }
      if (this.exit !== undefined) throw new Error(`${this.instanceId} did not start: it ${this.exit}\n${this.describe()}`);
      if (Date.now() - started > timeoutMs) throw new Error(`${this.instanceId}: no API READY line within ${timeoutMs} ms\n${this.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGTERM, then SIGKILL after a grace period. Safe to repeat. */
  async stop(graceMs = API_STOP_GRACE_MS): Promise<void> {
    if (this.exit !== undefined || this.child.pid === undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL, at once. */
  async kill(): Promise<void> {
    if (this.exit !== undefined || this.child.pid === undefined) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  describe(): string {
    const state = this.exit ?? 'running';
    return `--- ${this.instanceId} ${this.url || '(no url yet)'} pid ${this.pid ?? '?'} (${state}) ---\nstderr:\n${this.stderr.trim() || '(empty)'}`;
  }
}

/** The simulator, the instances and their shared Redis key space. */
export class PaymentStack {
  readonly keyPrefix: string;
  readonly adminToken = `admin-${randomUUID()}`;
  readonly instances: ApiProcess[] = [];
  private simulator: RunningSimulator | undefined;
  private redisServer: RedisServerHandle | undefined;
  private dir = '';
  private started = false;

  constructor(private readonly options: StackOptions) {
    this.keyPrefix = uniquePrefix(`e2e-${options.label}`);
  }

  get sim(): RunningSimulator {
    const sim = this.options.simOf?.sim ?? this.simulator;
    if (sim === undefined) throw new Error('the stack is not started');
    return sim;
  }

  get urls(): string[] {
    return this.instances.map((i) => i.url);
  }

  /** The instance urls in turn, for spreading requests over the fleet. */
  url(n: number): string {
    const urls = this.urls;
    return urls[n % urls.length] ?? '';
  }

  get redisUrl(): string {
    return this.redisServer?.url ?? redisUrl();
  }

  /** The private redis-server, when the stack was started with `privateRedis`. */
  get redis(): RedisServerHandle {
    if (this.redisServer === undefined) throw new Error('this stack uses the shared Redis');
    return this.redisServer;
  }

  get auditFile(): string {
    return join(this.dir, 'audit-export.jsonl');
  }

  /** Starts everything; on failure stops what started and throws with the instances' output. */
  async start(): Promise<void> {
    this.started = true;
    try {
      this.dir = await mkdtemp(join(tmpdir(), `breakwater-e2e-${this.options.label}-`));
      if (this.options.simOf === undefined) this.simulator = await startSimulator({ port: 0 });
      if (this.options.privateRedis === true) this.redisServer = await startRedisServer();
      const env: Record<string, string> = {
        ...TEST_ENV,
        PORT: '0',
        HOST: '127.0.0.1',
        SIM_URL: this.sim.url,
        REDIS_URL: this.redisUrl,
        KEY_PREFIX: this.keyPrefix,
        ADMIN_TOKEN: this.adminToken,
        AUDIT_EXPORT_FILE: this.auditFile,
        ...this.options.env,
      };
      if (this.options.downstreams !== undefined) env.DOWNSTREAMS_CONFIG = await this.writeDownstreams(this.options.downstreams);
      const count = this.options.instances ?? 2;
      for (let i = 1; i <= count; i++) this.instances.push(new ApiProcess(`${this.options.label}-api-${i}`, env));
      await Promise.all(this.instances.map((i) => i.ready()));
    } catch (error) {
      const report = this.report();
      await this.stop();
      if (error instanceof Error) error.message = `the payment stack "${this.options.label}" did not start: ${error.message}\n\n${report}`;
      throw error;
    }
  }

  /** Stops the instances, the simulator (if ours), the private Redis, and removes our keys and files. Safe to repeat. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const problems: unknown[] = [];
    const attempt = async (step: () => Promise<void>): Promise<void> => {
      try {
        await step();
      } catch (error) {
        problems.push(error);
      }
    };
    await Promise.all(this.instances.map((i) => attempt(() => i.stop())));
    await attempt(async () => this.simulator?.close());
    await attempt(async () => this.redisServer?.cleanup());
    if (this.redisServer === undefined) await attempt(() => deleteKeysByPrefix(redisUrl(), this.keyPrefix));
    await attempt(async () => (this.dir === '' ? undefined : rm(this.dir, { recursive: true, force: true })));
    if (problems.length > 0) throw new Error(`stopping the payment stack "${this.options.label}": ${problems.map(String).join('; ')}`);
  }

  /** Every instance's state and stderr, for failure messages. */
  report(): string {
    return `=== payment stack "${this.options.label}" (key prefix ${this.keyPrefix}) ===\n${this.instances.map((i) => i.describe()).join('\n') || '(no instances)'}`;
  }

  /**
   * Wraps a test body: a failure carries every instance's stderr, and an instance that died
   * during the scenario fails it.
   */
  scenario(body: () => Promise<void>): () => Promise<void> {
    return async () => {
      try {
        await body();
        const dead = this.instances.filter((i) => !i.running);
        if (dead.length > 0) throw new Error(`instance(s) died during the scenario: ${dead.map((i) => i.instanceId).join(', ')}`);
      } catch (error) {
        if (error instanceof Error) {
          const report = `\n\n${this.report()}`;
          error.message += report;
        }
        throw error;
      }
    };
  }

  private async writeDownstreams(overrides: DownstreamOverrides): Promise<string> {
    const shipped = JSON.parse(readFileSync(SHIPPED_DOWNSTREAMS, 'utf8')) as { defaults: JsonObject; downstreams: Record<string, JsonObject> };
    const downstreams: Record<string, JsonObject> = { ...shipped.downstreams };
    for (const [name, settings] of Object.entries(overrides)) {
      if (settings !== undefined) downstreams[name] = mergeJson(downstreams[name] ?? {}, settings);
    }
    const file = join(this.dir, 'downstreams.json');
    await writeFile(file, JSON.stringify({ defaults: shipped.defaults, downstreams }, null, 2));
    return file;
  }
}

function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeJson(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isJsonObject(current) && isJsonObject(value) ? mergeJson(current, value) : value;
  }
  return out;
}

/** A crashed or interrupted test run must not leave payment-api processes behind. */
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});
