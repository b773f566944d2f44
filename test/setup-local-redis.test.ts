// The last step of scripts/setup.sh: a Redis must answer on the tests' port. Given a free port,
// it starts one; given a port another program holds, it says so and what to do, instead of
// starting a redis-server that cannot bind.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';
import { findFreePort } from './support/redis-server';

const LIBRARY = join(__dirname, '..', 'scripts', 'lib', 'local-redis.sh');

/** Runs the library in bash, without blocking this process: the second test's holder must answer. */
function ensureLocalRedis(port: number): Promise<{ status: number | null; stderr: string }> {
  const script = `set -euo pipefail\nlog() { printf '[setup] %s\\n' "$*" >&2; }\n. ${JSON.stringify(LIBRARY)}\nensure_local_redis ${port}`;
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { encoding: 'utf8', timeout: 30_000 }, (error, _stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stderr });
    });
  });
}

it('starts a Redis on a free port, and leaves one that answers alone', async () => {
  const port = await findFreePort();
  const redis = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined); // the SHUTDOWN below closes the connection under it
  try {
    const first = await ensureLocalRedis(port);
    expect(first.stderr).toContain(`starting redis-server on 127.0.0.1:${port}`);
    expect(first.status).toBe(0);
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');

    const again = await ensureLocalRedis(port);
    expect(again).toEqual({ status: 0, stderr: '' });
  } finally {
    await redis.shutdown('NOSAVE').catch(() => undefined);
    redis.disconnect();
  }
});

it('says which port is taken and what to do when another program holds it', async () => {
  // redis-cli may reset the connection: an 'error' with no listener would be an uncaught exception.
  const holder: Server = createServer((socket) => socket.on('error', () => undefined).end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as { port: number }).port;
  try {
    const run = await ensureLocalRedis(port);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`port ${port} is taken by a program that is not a Redis answering PING`);
    expect(run.stderr).toContain('REDIS_PORT=<another port>');
  } finally {
    holder.close();
  }
});
