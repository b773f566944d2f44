// The fault proxy's toxics keep the byte order: a slow, jittery Redis is slow, never scrambled.
import { createConnection, createServer, type Server } from 'node:net';
import { TcpFaultProxy } from '../support/tcp-fault-proxy';

let echo: Server;
let echoPort = 0;

beforeAll(async () => {
  echo = createServer((socket) => {
    socket.on('error', () => undefined); // the proxy cuts with resets on close
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const address = echo.address();
  echoPort = typeof address === 'object' && address !== null ? address.port : 0;
});

afterAll(async () => {
  await new Promise((resolve) => echo.close(resolve));
});

async function roundTrip(proxy: TcpFaultProxy, messages: number): Promise<string> {
  const socket = createConnection({ host: '127.0.0.1', port: proxy.port });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let received = '';
  const expected = Array.from({ length: messages }, (_, i) => `${i};`).join('');
  const done = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      if (received.length >= expected.length) resolve();
    });
  });
  for (let i = 0; i < messages; i++) {
    socket.write(`${i};`);
    if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await done;
  socket.destroy();
  return received;
}

it('given latency and jitter on every reply, every byte arrives in the order it was sent', async () => {
  const proxy = await TcpFaultProxy.start({ port: echoPort });
  try {
    proxy.setToxics({ latencyMs: 20, jitterMs: 15 });
    const received = await roundTrip(proxy, 300);
    expect(received).toBe(Array.from({ length: 300 }, (_, i) => `${i};`).join(''));
  } finally {
    await proxy.close();
  }
});

it('resets new connections while Redis is "down", and accepts them again after heal()', async () => {
  const proxy = await TcpFaultProxy.start({ port: echoPort });
  try {
    proxy.setToxics({ resetNewConnections: true });
    const refused = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port: proxy.port });
      socket.once('error', () => resolve(true));
      socket.once('close', () => resolve(true));
      socket.once('data', () => resolve(false));
      socket.write('x');
    });
    expect(refused).toBe(true);
    expect(proxy.resets).toBe(1);
    proxy.heal();
    expect(await roundTrip(proxy, 3)).toBe('0;1;2;');
  } finally {
    await proxy.close();
  }
});
