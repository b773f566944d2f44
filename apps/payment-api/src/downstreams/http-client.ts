import { Pool } from 'undici';

export interface HttpAnswer {
  status: number;
  /** Parsed JSON, or undefined when the body was not JSON. */
  json: unknown;
  text: string;
}

/**
 * Keep-alive HTTP to the simulated downstreams (one undici pool for their host). Requests carry
 * the policy chain's abort signal, so a timeout really cancels them.
 */
export class HttpClient {
  private readonly pool: Pool;

  constructor(baseUrl: string, connections = 128) {
    this.pool = new Pool(baseUrl, { connections, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
  }

  async send(method: 'GET' | 'POST', path: string, signal: AbortSignal, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const response = await this.pool.request({
      method,
      path,
      signal,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    let json: unknown;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, json, text };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
