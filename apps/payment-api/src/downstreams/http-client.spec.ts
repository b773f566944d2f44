// Given a downstream that answers with a body far over the cap (and would go on for ever), when
// the client reads it, then it gives up past the cap with AnswerTooLargeError, without holding the
// body, and the next call on the same client still works.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NEVER_ABORTED } from '@breakwater/resilience';
import { AnswerTooLargeError } from './downstream-errors';
import { DEFAULT_MAX_ANSWER_BYTES, HttpClient } from './http-client';

describe('HttpClient answer cap', () => {
  let server: Server;
  let url: string;
  let endlessBytesSent = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/small') return void response.end(JSON.stringify({ ok: true }));
      // An endless answer: 64 KiB chunks until the client goes away.
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = (): void => {
        while (!response.destroyed && response.write(chunk)) endlessBytesSent += chunk.length;
        if (!response.destroyed) response.once('drain', pump);
      };
      response.on('close', () => response.removeAllListeners('drain'));
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('has a documented default of 64 KiB', () => {
    expect(DEFAULT_MAX_ANSWER_BYTES).toBe(65_536);
  });

  it('drops an answer past the cap with AnswerTooLargeError, and keeps working', async () => {
    const client = new HttpClient(url, 4, 16 * 1024);
    try {
      await expect(client.send('GET', '/endless', NEVER_ABORTED)).rejects.toBeInstanceOf(AnswerTooLargeError);
      // Cut off early: far less than a runaway read would have taken.
      expect(endlessBytesSent).toBeLessThan(64 * 1024 * 1024);
      await expect(client.send('GET', '/small', NEVER_ABORTED)).resolves.toMatchObject({ status: 200, json: { ok: true } });
    } finally {
      await client.close();
    }
  });
});
