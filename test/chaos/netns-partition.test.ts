// The partition experiment's network (chaos/infra/netns.ts), for real: a service on the host's
// 127.0.0.1 answers a client inside the namespace at the host's end of the link; while the
// partition is on, the client's connection to that port goes nowhere (a black hole, no refusal),
// while another port still answers; after the heal it answers again; and undo leaves no namespace,
// link or nftables table behind.
// Needs root, ip and nft: SETUP_EXTRAS=nftables (CI always; skipped without them elsewhere).
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { promisify } from 'node:util';
import { checkNetnsTools, InstanceNetns } from '../../chaos/infra/netns';

const run = promisify(execFile);

function missingTools(): string | undefined {
  try {
    checkNetnsTools();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function echoServer(): Promise<Server> {
  const server = createServer((socket) => socket.pipe(socket));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Inside the namespace: connect, send a line, read it back within 2 s; 'no answer' otherwise. */
async function echoFromNamespace(ns: InstanceNetns, port: number): Promise<string> {
  const script = `exec 3<>/dev/tcp/${ns.link.hostAddress}/${port} && echo hello >&3 && read -r -t 2 line <&3 && echo "$line"`;
  try {
    const { stdout } = await run('ip', ['netns', 'exec', ns.link.name, 'timeout', '3', 'bash', '-c', script]);
    return stdout.trim() || 'no answer';
  } catch {
    return 'no answer';
  }
}

const missing = missingTools();
if (missing !== undefined) {
  it.skip(`netns partition: skipped, ${missing}`, () => undefined);
} else {
  describe('a namespace partitioned from one host port', () => {
    let redisLike: Server;
    let other: Server;
    let ns: InstanceNetns | undefined;

    beforeAll(async () => {
      redisLike = await echoServer();
      other = await echoServer();
    });

    afterAll(async () => {
      ns?.undo();
      await Promise.all([redisLike, other].map((s) => new Promise((resolve) => s.close(resolve))));
    });

    it('reaches the host, loses only the cut port while partitioned, heals, and leaves nothing behind', async () => {
      ns = InstanceNetns.create();
      const cut = (redisLike.address() as AddressInfo).port;
      const open = (other.address() as AddressInfo).port;
      expect(await echoFromNamespace(ns, cut)).toBe('hello');

      ns.partition(cut);
      expect(await echoFromNamespace(ns, cut)).toBe('no answer');
      expect(await echoFromNamespace(ns, open)).toBe('hello');

      ns.heal();
      expect(await echoFromNamespace(ns, cut)).toBe('hello');

      const name = ns.link.name;
      ns.undo();
      expect(InstanceNetns.leftovers(name)).toEqual([]);
    }, 30_000);
  });
}
