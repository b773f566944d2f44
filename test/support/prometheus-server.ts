// A real Prometheus (Debian's `prometheus` binary) for a test: its own config and data directory,
// listening on a free loopback port, queried over its HTTP API, stopped by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { findFreePort } from './redis-server';
import { waitFor } from './wait-for';

const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_LIMIT = 8_192;

export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
}

export interface PrometheusTarget {
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

export class PrometheusServer {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_LIMIT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** Starts Prometheus on `configFile`, keeping its data in `<dir>/data`; resolves once it is ready. */
  static async start(configFile: string, dir: string): Promise<PrometheusServer> {
    const port = await findFreePort();
    const child = spawn('prometheus', [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new PrometheusServer(child, `http://127.0.0.1:${port}`);
    try {
      await waitFor(async () => child.exitCode === null && (await fetch(`${server.url}/-/ready`)).ok, { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100, description: 'Prometheus ready' });
    } catch (error) {
      await server.stop();
      throw new Error(`${String(error)}\n${server.output}`);
    }
    return server;
  }

  /** What Prometheus wrote on stdout and stderr (the end of it), for a failing test's message. */
  get log(): string {
    return this.output;
  }

  async alerts(): Promise<PrometheusAlert[]> {
    return (await this.api<{ alerts: PrometheusAlert[] }>('/api/v1/alerts')).alerts;
  }

  async targets(): Promise<PrometheusTarget[]> {
    return (await this.api<{ activeTargets: PrometheusTarget[] }>('/api/v1/targets')).activeTargets;
  }

  /** Instant query: each series' labels and value. */
  async query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    return (await this.api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  private async api<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  }
}
