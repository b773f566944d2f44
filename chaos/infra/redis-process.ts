// The suite's own redis-server on a free port of 127.0.0.1, with the fleet's settings (AOF
// everysec, noeviction: docs/fleet.md "Redis"), so experiments can SIGKILL it and restart it from
// its AOF, or SIGSTOP it. Never the machine's Redis on 6379.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { freePort } from './free-port';
import { killGroupOnExit, signal, sleep } from './process-signals';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

export class RedisStartError extends Error {
  override readonly name = 'RedisStartError';
  readonly code = 'CHAOS_REDIS_START';
}

export class RedisProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private forget: () => void = () => undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(dir: string): Promise<RedisProcess> {
    await mkdir(dir, { recursive: true });
    const redis = new RedisProcess(await freePort(), dir);
    await redis.launch();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--dir', this.dir, '--daemonize', 'no'];
    const child = spawn(process.env.REDIS_SERVER_BIN ?? 'redis-server', args, { stdio: 'ignore', detached: true });
    this.child = child;
    child.on('error', () => undefined);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    if (child.pid !== undefined) this.forget = killGroupOnExit(child.pid);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await ping(this.port))) {
      if (!this.running) throw new RedisStartError(`redis-server on port ${this.port} exited during start`);
      if (Date.now() > deadline) throw new RedisStartError(`redis-server on port ${this.port} did not answer PING within ${START_TIMEOUT_MS} ms`);
      await sleep(50);
    }
  }

  /** Sends a signal to the server (SIGKILL, SIGSTOP, SIGCONT). */
  send(name: NodeJS.Signals): void {
    if (this.child?.pid !== undefined) signal(this.child.pid, name);
  }

  async kill(): Promise<void> {
    this.send('SIGCONT'); // a stopped server would not die of SIGTERM
    this.send('SIGKILL');
    await this.exited;
    this.forget();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.send('SIGCONT');
    this.send('SIGTERM');
    const timedOut = await Promise.race([this.exited.then(() => false), sleep(STOP_TIMEOUT_MS).then(() => true)]);
    if (timedOut) await this.kill();
    this.forget();
  }
}

export const aofDir = (dir: string): string => join(dir, 'redis');

/** One raw PING; true on +PONG. */
export function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}
