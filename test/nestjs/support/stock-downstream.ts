// A real HTTP downstream for the NestJS module's tests: answers GET /stock/:sku with 200 and a
// level, or 503 while `failing`, and counts the requests it received.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class StockDownstream {
  failing = false;
  requests = 0;
  url = '';
  private readonly server: Server = createServer((request, response) => {
    this.requests++;
    if (this.failing) {
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"processed":false}');
      return;
    }
    const sku = (request.url ?? '').split('/').pop() ?? '';
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sku, available: 7 }));
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
