// On a Cluster the stall watchdog sits on each node connection (stall-watchdog.ts): given a
// coordination connection to a private Cluster whose nodes it reaches through fault proxies
// (ioredis `natMap` maps each node's announced address to its proxy), when one master goes silent
// for 3 s (its proxy black-holes both ways, the Cluster bus is untouched so nothing fails over)
// and comes back, then commands for that master's slots answer again within the recovery target.
// Without the watchdog the node connection keeps its socket, and every reply after the silence
// goes to a command that already timed out: commands for those slots keep timing out.
import { Cluster, type ClusterOptions } from 'ioredis';
import { ROLE_OPTIONS } from '@breakwater/redis-store';
import { clusterOptions } from '../libs/redis-store/src/connection/create-redis-connection';
import { parseRedisUrl } from '../libs/redis-store/src/connection/redis-url';
import { watchConnection } from '../libs/redis-store/src/connection/watch-connection';
import { startRedisCluster, type RedisClusterHandle } from './support/redis-cluster';
import { uniquePrefix } from './support/redis-server';
import { TcpFaultProxy } from './support/tcp-fault-proxy';
import { sleep, waitFor } from './support/wait-for';

jest.setTimeout(60_000);

const RECOVERY_TARGET_MS = 5_000;

let cluster: RedisClusterHandle | undefined;
const proxies = new Map<number, TcpFaultProxy>();
let client: Cluster | undefined;

afterAll(async () => {
  client?.disconnect();
  for (const proxy of proxies.values()) await proxy.close();
  await cluster?.cleanup();
});

test('given a coordination connection to a Cluster, when one master is silent for 3 s and comes back, then its slots answer again within the recovery target', async () => {
  cluster = await startRedisCluster();
  for (const node of cluster.nodes) proxies.set(node.port, await TcpFaultProxy.start({ port: node.port }));
  const natMap: NonNullable<ClusterOptions['natMap']> = {};
  for (const [port, proxy] of proxies) natMap[`127.0.0.1:${port}`] = { host: '127.0.0.1', port: proxy.port };
  const target = parseRedisUrl(`redis-cluster://${[...proxies.values()].map((p) => `127.0.0.1:${p.port}`).join(',')}`);
  if (target.kind !== 'cluster') throw new Error('not a Cluster URL');
  const connection = new Cluster(target.seeds, { ...clusterOptions(target, { ...ROLE_OPTIONS.coordination }), natMap });
  client = connection;
  connection.on('error', () => undefined);
  connection.on('node error', () => undefined);
  watchConnection(connection, 'coordination');

  const key = `${uniquePrefix('stall-cluster')}k`;
  await waitFor(async () => (await connection.set(key, '1')) === 'OK', { timeoutMs: 10_000, description: 'the Cluster client ready' });
  const master = await cluster.masterFor(key);
  const silent = proxies.get(master.port)!;

  let lastOkAt = 0;
  const timer = setInterval(() => {
    connection.get(key).then(() => (lastOkAt = performance.now()), () => undefined);
  }, 100);
  try {
    silent.setToxics({ blackHole: true });
    await sleep(3_000);
    silent.heal();
    const healedAt = performance.now();
    await waitFor(() => lastOkAt > healedAt, { timeoutMs: RECOVERY_TARGET_MS, description: "a GET of the silent master's key answered after the heal" });
  } finally {
    clearInterval(timer);
    await connection.del(key).catch(() => undefined);
  }
});
