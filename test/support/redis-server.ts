// A private redis-server for integration tests that need to kill, stop or restart Redis.
// Tests that only need *a* Redis use redisUrl() (the shared one CI starts on 6379) with a
// uniquePrefix() for their keys.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

const HOST = '127.0.0.1';
const DEFAULT_START_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 500;
const POLL_INTERVAL_MS = 50;
const OUTPUT_LIMIT = 16_384;
const START_ATTEMPTS = 3;

export interface RedisServerOptions {
  /** Port to listen on; default: a free port chosen by the OS. */
  port?: number;
  /** How long to wait for `PING` to answer `+PONG`; default 5000 ms. */
  startTimeoutMs?: number;
  /** The redis-server binary; default `$REDIS_SERVER_BIN` or `redis-server` on the PATH. */
  binary?: string;
  /** Extra command-line arguments, e.g. `['--maxmemory', '10mb']`. */
  extraArgs?: readonly string[];
  /**
   * Written to `<dir>/redis.conf` and passed as the configuration file: a sentinel refuses to
   * start without a file it can rewrite.
   */
  configText?: string;
}

export interface RedisServerHandle {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** The temporary working directory (`--dir`). */
  readonly dir: string;
  /** True while the redis-server process is alive. */
  isRunning(): boolean;
  /** SIGTERM, then wait for the process to exit (SIGKILL if it takes more than 10 s). */
  stop(): Promise<void>;
  /** SIGKILL, then wait for the process to exit. */
  kill(): Promise<void>;
  /** Start again on the same port and dir (stopping first if still running), wait until ready. */
  restart(): Promise<void>;
  /** Kill if running and remove the dir. Safe to call twice; the handle is unusable afterwards. */
  cleanup(): Promise<void>;
}

/** The shared Redis for tests that do not need their own: `$REDIS_URL` or 127.0.0.1:6379. */
export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A key prefix no other test (or test run) shares, e.g. `test:breaker:1a2b3c4d:`. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${randomUUID().slice(0, 8)}:`;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not read a free port'))));
    });
  });
}

/** Deletes every key under `prefix` (SCAN, not KEYS: the shared Redis may hold many). */
export async function deleteKeysByPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** One raw-socket `PING`; true when the server answers `+PONG`. Never throws. */
export async function pingRedis(port: number, timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
  const reply = await rawCommand(port, 'PING\r\n', (text) => text.includes('\r\n'), timeoutMs);
  return reply?.startsWith('+PONG') ?? false;
}

/**
 * The pid of the redis-server answering on `port`, when it answers `PING` with `+PONG`; undefined
 * otherwise. Readiness compares it with our child's pid, so another server already holding the
 * port is never mistaken for ours.
 */
async function answeringPid(port: number): Promise<number | undefined> {
  const pidLine = /process_id:(\d+)\r\n/;
  const reply = await rawCommand(port, 'PING\r\nINFO server\r\n', (text) => pidLine.test(text) || text.startsWith('-'), PING_TIMEOUT_MS);
  if (!reply?.startsWith('+PONG')) return undefined;
  const match = pidLine.exec(reply);
  return match ? Number(match[1]) : undefined;
}

/** Send raw RESP inline commands; resolves with what arrived once `done` says so, else undefined. */
function rawCommand(port: number, payload: string, done: (reply: string) => boolean, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let reply = '';
    let settled = false;
    const socket = createConnection({ host: HOST, port });
    const finish = (result: string | undefined): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('close', () => finish(undefined));
    socket.once('connect', () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (done(reply)) finish(reply);
    });
  });
}

/** Start a private redis-server and wait until it answers PING. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'breakwater-redis-'));
  let lastError: unknown;
  // A port chosen by us can be taken between probe and spawn; retry with another one then.
  const attempts = options.port === undefined ? START_ATTEMPTS : 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = options.port ?? (await findFreePort());
    const server = new RedisServer(port, dir, options);
    try {
      await server.start();
      return server;
    } catch (err) {
      lastError = err;
      await server.kill();
      if (!(err instanceof RedisStartError) || !err.addressInUse) break;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

class RedisStartError extends Error {
  override readonly name = 'RedisStartError';
  constructor(
    message: string,
    readonly addressInUse: boolean,
  ) {
    super(message);
  }
}

/** Every live child, so a crashed test run does not leave redis-server processes behind. */
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

class RedisServer implements RedisServerHandle {
  readonly url: string;
  private child: ChildProcess | undefined;
  private output = '';
  private cleanedUp = false;

  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {
    this.url = `redis://${HOST}:${port}`;
  }

  isRunning(): boolean {
    return this.child !== undefined && hasNotExited(this.child);
  }

  async start(): Promise<void> {
    if (this.cleanedUp) throw new Error(`redis-server on port ${this.port}: already cleaned up`);
    if (this.isRunning()) return;
    this.output = '';
    const binary = this.options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
    const configFile = join(this.dir, 'redis.conf');
    if (this.options.configText !== undefined) await writeFile(configFile, this.options.configText);
    const args = [
      ...(this.options.configText === undefined ? [] : [configFile]),
      '--port', String(this.port),
      '--bind', HOST,
      '--save', '',
      '--appendonly', 'no',
      '--dir', this.dir,
      '--daemonize', 'no',
      ...(this.options.extraArgs ?? []),
    ];
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    liveChildren.add(child);
    child.once('exit', () => liveChildren.delete(child));
    const capture = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    if (child.pid === undefined) {
      // spawn failed (e.g. ENOENT); the reason arrives as an 'error' event on the next tick.
      const err = await new Promise<Error>((resolve) => child.once('error', resolve));
      liveChildren.delete(child);
      throw this.startError(`could not be spawned as '${binary}' (${err.message})`);
    }
    child.on('error', () => undefined); // a later kill() error must not crash the test process
    await this.waitUntilReady(child);
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM', STOP_TIMEOUT_MS);
  }

  async kill(): Promise<void> {
    await this.signal('SIGKILL', STOP_TIMEOUT_MS);
  }

  async restart(): Promise<void> {
    if (this.isRunning()) await this.stop();
    await this.start();
  }

  async cleanup(): Promise<void> {
    await this.kill();
    this.cleanedUp = true;
    await rm(this.dir, { recursive: true, force: true });
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const timeoutMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!hasNotExited(child)) {
        throw this.startError(`exited early (${child.exitCode ?? child.signalCode})`);
      }
      const pid = await answeringPid(this.port);
      if (pid !== undefined && pid === child.pid) return;
      if (Date.now() >= deadline) throw this.startError(`did not answer PING within ${timeoutMs} ms`);
      await delay(POLL_INTERVAL_MS);
    }
  }

  private startError(reason: string): RedisStartError {
    const output = this.output.trim();
    return new RedisStartError(
      `redis-server on ${HOST}:${this.port} (dir ${this.dir}) ${reason}` +
        (output ? `\n--- redis-server output ---\n${output}` : '\n(no output from redis-server)'),
      /address already in use/i.test(output),
    );
  }

  private async signal(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const child = this.child;
    if (!child || !hasNotExited(child)) return;
    const exited = waitForExit(child);
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

function hasNotExited(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && child.pid !== undefined;
}

function waitForExit(child: ChildProcess): Promise<'exited'> {
  if (!hasNotExited(child)) return Promise.resolve('exited');
  return new Promise((resolve) => child.once('exit', () => resolve('exited')));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
