import { Pool } from 'undici';
import { AnswerTooLargeError } from './downstream-errors';

export interface HttpAnswer {
  status: number;
  /** Parsed JSON, or undefined when the body was not JSON. */
  json: unknown;
  text: string;
}

/** Default cap on one answer's body (DOWNSTREAM_MAX_ANSWER_BYTES): every downstream answer is a small JSON object. */
export const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Keep-alive HTTP to the simulated downstreams (one undici pool for their host). Requests carry
 * the policy chain's abort signal, so a timeout really cancels them. An answer's body is read as
 * a stream and given up (the connection dropped) once it passes `maxAnswerBytes`: a hostile or
 * broken downstream cannot make an instance hold a huge body (AnswerTooLargeError, a failure of
 * that downstream).
 */
export class HttpClient {
  private readonly pool: Pool;

  constructor(
    baseUrl: string,
    connections = 128,
    private readonly maxAnswerBytes = DEFAULT_MAX_ANSWER_BYTES,
  ) {
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
    const text = await this.readCapped(response.body, path);
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

  /** Leaving the loop early (the throw) destroys the stream, and undici drops its connection. */
  private async readCapped(stream: AsyncIterable<Buffer>, path: string): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream) {
      size += chunk.length;
      if (size > this.maxAnswerBytes) throw new AnswerTooLargeError(path, this.maxAnswerBytes);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size).toString('utf8');
  }
}
