// How long a Redis client cut off by a black-hole partition takes to answer again after the
// heal, against the partition's length (docs/resilience.md, finding 3 of the partition runs):
//   node --import tsx chaos/tools/partition-resync.ts [partition seconds ...]   (root, ip, nft)
// A private redis-server on a free port (protected mode off: the client's address is the
// namespace's), a coordination connection as the fleet makes it (createRedisConnection, with its
// stall watchdog) inside a namespace made by netns.ts sending PING every 100 ms, the partition
// for each length in turn, and per length the time from the heal to the first PONG. Everything it starts is stopped at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freePort } from '../infra/free-port';
import { InstanceNetns } from '../infra/netns';
import { sleep } from '../infra/process-signals';

const CLIENT = `
const { createRedisConnection } = require('./libs/redis-store/src/connection/create-redis-connection');
const redis = createRedisConnection('redis://' + process.argv[1] + ':' + process.argv[2], 'coordination');
redis.on('error', () => undefined);
setInterval(() => redis.ping().then(() => console.log('ok ' + Date.now()), () => console.log('fail ' + Date.now())), 100);
`;

async function main(): Promise<void> {
  const lengths = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'no', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const ns = InstanceNetns.create();
  let client: ChildProcess | undefined;
  try {
    await sleep(500);
    client = spawn('ip', ['netns', 'exec', ns.link.name, process.execPath, '--require', 'tsx/cjs', '-e', CLIENT, ns.link.hostAddress, String(port)], { cwd: `${__dirname}/../..`, stdio: ['ignore', 'pipe', 'inherit'] });
    let lastOk = 0;
    createInterface({ input: client.stdout! }).on('line', (line) => {
      const [what, at] = line.split(' ');
      if (what === 'ok') lastOk = Number(at);
    });
    await sleep(3_000);
    for (const seconds of lengths.length > 0 ? lengths : [10, 40]) {
      ns.partition(port);
      await sleep(seconds * 1_000);
      ns.heal();
      const healedAt = Date.now();
      while (lastOk < healedAt && Date.now() - healedAt < 180_000) await sleep(50);
      process.stdout.write(`partition ${seconds} s: first PONG ${lastOk >= healedAt ? `${lastOk - healedAt} ms` : 'not within 180 s'} after the heal\n`);
      await sleep(3_000);
    }
  } finally {
    client?.kill('SIGKILL');
    ns.undo();
    redis.kill('SIGKILL');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
