// One progress line while an experiment runs: rewritten in place on a terminal, printed every few
// seconds otherwise (CI logs).
import { availability } from '../metrics/availability';
import type { Sample } from '../load/sample';
import { summarizeLatencies } from '../metrics/percentiles';

const LOG_EVERY_MS = 5_000;
const RECENT_MS = 2_000;

export class ProgressLine {
  private lastPrinted = 0;

  constructor(
    private readonly name: string,
    private readonly tty = process.stderr.isTTY === true,
  ) {}

  update(now: number, phase: string, sent: number, answered: readonly Sample[], breakers: string): void {
    if (!this.tty && now - this.lastPrinted < LOG_EVERY_MS) return;
    this.lastPrinted = now;
    const recent = answered.filter((s) => s.doneAt >= now - RECENT_MS);
    const avail = availability(recent, { refusalIsCorrect: false });
    const p95 = summarizeLatencies(recent.map((s) => s.latencyMs)).p95;
    const line = `[${this.name}] ${(now / 1000).toFixed(1)}s ${phase.padEnd(6)} sent ${sent} | last 2s: 2xx ${avail === null ? '-' : `${(avail * 100).toFixed(1)}%`} p95 ${p95 === null ? '-' : `${Math.round(p95)}ms`} | ${breakers}`;
    if (this.tty) process.stderr.write(`\r\x1b[K${line}`);
    else process.stderr.write(`${line}\n`);
  }

  done(): void {
    if (this.tty) process.stderr.write('\n');
  }
}
