// Waits until a part is up, and says clearly which part did not come up, why, and what it last
// printed. Every wait also ends when the part's process exits.
import { createConnection } from 'node:net';
import { describeExit, type ManagedProcess } from './supervisor';
import { LOOPBACK, saysAddressInUse } from './ports';

const POLL_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 1_000;

/** A part of the fleet did not come up. */
export class PartStartError extends Error {
  override readonly name = 'PartStartError';
  readonly code = 'FLEET_PART_DID_NOT_START';

  constructor(
    readonly part: string,
    readonly reason: string,
    readonly lastLines: readonly string[],
  ) {
    super(`${part} did not come up: ${reason}` + (lastLines.length > 0 ? `\n--- last output of ${part} ---\n${lastLines.join('\n')}` : `\n(${part} printed nothing)`));
  }

  /** True when it failed because its port was taken meanwhile: worth another try on another port. */
  get addressInUse(): boolean {
    return saysAddressInUse(this.lastLines.join('\n'));
  }
}

export function partError(part: ManagedProcess, reason: string): PartStartError {
  return new PartStartError(part.name, reason, part.lastLines());
}

/** Resolves with the first output line of `part` that matches `pattern` (either stream). */
export function waitForLine(part: ManagedProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const unsubscribe = part.onLine((line) => {
      const match = pattern.exec(line);
      if (match === null) return;
      settle();
      resolve(match);
    });
    const timer = setTimeout(() => {
      settle();
      reject(partError(part, `no line matching ${pattern} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    let done = false;
    const settle = (): void => {
      done = true;
      clearTimeout(timer);
      unsubscribe();
    };
    void part.exited.then((exit) => {
      if (done) return;
      settle();
      reject(partError(part, `it ${describeExit(exit)} before printing a line matching ${pattern}`));
    });
  });
}

/** Polls until `check` is true; fails naming `part` if it exits or `timeoutMs` passes. */
export async function pollUntil(part: ManagedProcess, what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exit = part.exitInfo();
    if (exit !== undefined) throw partError(part, `it ${describeExit(exit)} before ${what}`);
    if (await check()) return;
    if (Date.now() >= deadline) throw partError(part, `${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** One GET; the status, or undefined when nothing answered in time. */
export async function httpStatus(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

/** `GET url` answers 200. */
export function waitForHttpOk(part: ManagedProcess, url: string, timeoutMs: number): Promise<void> {
  return pollUntil(part, `GET ${url} answered 200`, timeoutMs, async () => (await httpStatus(url)) === 200);
}

/**
 * The pid of the Redis answering PING on 127.0.0.1:`port`, or undefined. Comparing it with our
 * child's pid means another server already on the port is never taken for ours.
 */
export function redisPid(port: number, auth?: RedisAuth): Promise<number | undefined> {
  return new Promise((resolve) => {
    let reply = '';
    let settled = false;
    const pidLine = /process_id:(\d+)\r\n/;
    // With AUTH first, its +OK comes before PING's +PONG.
    const expected = auth === undefined ? '+PONG' : '+OK\r\n+PONG';
    const socket = createConnection({ host: LOOPBACK, port });
    const finish = (pid: number | undefined): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('close', () => finish(undefined));
    socket.once('connect', () => socket.write(`${auth === undefined ? '' : respCommand(['AUTH', auth.user, auth.password])}PING\r\nINFO server\r\n`));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.startsWith('-')) finish(undefined);
      const match = pidLine.exec(reply);
      if (match !== null) finish(reply.startsWith(expected) ? Number(match[1]) : undefined);
    });
  });
}

export interface RedisAuth {
  user: string;
  password: string;
}

/** A command as a RESP array: arguments may hold any byte, spaces included. */
function respCommand(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}
