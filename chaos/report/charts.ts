// The three charts of an experiment: latency percentiles over time, throughput over time (both with
// the fault window shaded), and each breaker's state per instance over time.
import { breakerNames } from '../metrics/breaker-timeline';
import type { ExperimentResult } from '../runner/result';
import { axes, faultShade, FRAME, polyline, scale, svgDocument, text } from './svg';

const COLORS = { p50: '#1a73e8', p95: '#f29900', p99: '#d93025', sent: '#9aa0a6', available: '#188038' };
const STATE_COLORS: Record<string, string> = { CLOSED: '#188038', HALF_OPEN: '#f9ab00', OPEN: '#d93025', FORCED_OPEN: '#a50e0e', DISABLED: '#9aa0a6', down: '#202124' };

function xScale(r: ExperimentResult): (ms: number) => number {
  return scale(0, Math.max(1, r.loadEndMs), FRAME.left, FRAME.width - FRAME.right);
}

function shade(r: ExperimentResult): string {
  const x = xScale(r);
  return Number.isFinite(r.window.startMs) ? faultShade(x(r.window.startMs), x(r.window.endMs), FRAME) : '';
}

function legend(entries: readonly [string, string][]): string[] {
  return entries.map(([label, color], i) => text(FRAME.width - FRAME.right - 300 + i * 75, 18, `■ ${label}`, `fill="${color}"`));
}

export function latencyChart(r: ExperimentResult): string {
  const x = xScale(r);
  const yMax = Math.max(10, ...r.buckets.map((b) => b.p99 ?? 0));
  const y = scale(0, yMax, FRAME.height - FRAME.bottom, FRAME.top);
  const line = (key: 'p50' | 'p95' | 'p99'): string => polyline(r.buckets.filter((b) => b[key] !== null).map((b) => [x(b.startMs + 500), y(b[key] ?? 0)]), COLORS[key]);
  return svgDocument(FRAME, `${r.name}: latency per second (ms, from due time)`, [shade(r), ...axes(FRAME, 'seconds since start (fault shaded)', 'ms', yMax), line('p50'), line('p95'), line('p99'), ...legend([['p50', COLORS.p50], ['p95', COLORS.p95], ['p99', COLORS.p99]])]);
}

export function throughputChart(r: ExperimentResult): string {
  const x = xScale(r);
  const yMax = Math.max(1, ...r.buckets.map((b) => b.sent));
  const y = scale(0, yMax, FRAME.height - FRAME.bottom, FRAME.top);
  return svgDocument(FRAME, `${r.name}: requests per second (due) and available answers`, [
    shade(r),
    ...axes(FRAME, 'seconds since start (fault shaded)', 'req/s', yMax),
    polyline(r.buckets.map((b) => [x(b.startMs + 500), y(b.sent)]), COLORS.sent),
    polyline(r.buckets.map((b) => [x(b.startMs + 500), y(b.available)]), COLORS.available),
    ...legend([['sent', COLORS.sent], ['available', COLORS.available]]),
  ]);
}

/** One row per instance and breaker; each poll paints its state until the next poll. */
export function breakerChart(r: ExperimentResult): string {
  const names = breakerNames(r.breakerRounds);
  const instances = [...new Set(r.breakerRounds.flatMap((round) => Object.keys(round.views)))];
  const rows = instances.flatMap((instance) => names.map((name) => ({ instance, name })));
  const rowHeight = 12;
  const frame = { ...FRAME, height: FRAME.top + FRAME.bottom + Math.max(1, rows.length) * rowHeight, left: 170 };
  const x = scale(0, Math.max(1, r.loadEndMs), frame.left, frame.width - frame.right);
  const body: string[] = [];
  if (Number.isFinite(r.window.startMs)) body.push(faultShade(x(r.window.startMs), x(r.window.endMs), frame));
  rows.forEach((row, i) => {
    const top = frame.top + i * rowHeight;
    body.push(text(4, top + 9, `${new URL(row.instance).port} ${row.name}`));
    r.breakerRounds.forEach((round, k) => {
      const next = r.breakerRounds[k + 1]?.atMs ?? r.loadEndMs;
      const view = round.views[row.instance];
      const state = view === null || view === undefined ? 'down' : (view[row.name] ?? 'down');
      if (state === 'CLOSED') return; // the background is CLOSED: fewer elements
      body.push(`<rect x="${x(round.atMs).toFixed(1)}" y="${top}" width="${Math.max(0.5, x(next) - x(round.atMs)).toFixed(1)}" height="${rowHeight - 2}" fill="${STATE_COLORS[state] ?? '#000'}"/>`);
    });
  });
  const background = rows.map((_, i) => `<rect x="${frame.left}" y="${frame.top + i * rowHeight}" width="${frame.width - frame.right - frame.left}" height="${rowHeight - 2}" fill="${STATE_COLORS.CLOSED}" opacity="0.25"/>`);
  const legendItems = Object.entries(STATE_COLORS).map(([state, color], i) => text(frame.left + i * 90, frame.height - 8, `■ ${state}`, `fill="${color}"`));
  return svgDocument(frame, `${r.name}: breaker state per instance (port, breaker) over time`, [...background, ...body, ...legendItems]);
}
