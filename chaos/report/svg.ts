// Minimal SVG building blocks for the charts: no dependency, deterministic output.

export const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const FRAME: Frame = { width: 760, height: 260, left: 60, right: 20, top: 30, bottom: 40 };

/** Maps [min, max] onto [from, to]. */
export function scale(min: number, max: number, from: number, to: number): (v: number) => number {
  const span = max - min || 1;
  return (v) => from + ((v - min) / span) * (to - from);
}

export function polyline(points: readonly [number, number][], color: string): string {
  if (points.length === 0) return '';
  return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`;
}

export function text(x: number, y: number, content: string, extra = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-family="sans-serif" font-size="11" ${extra}>${escapeXml(content)}</text>`;
}

export function svgDocument(frame: Frame, title: string, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${frame.width}" height="${frame.height}" viewBox="0 0 ${frame.width} ${frame.height}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    text(frame.left, 18, title, 'font-weight="bold"'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** The fault window, shaded, between x0 and x1. */
export function faultShade(x0: number, x1: number, frame: Frame): string {
  return `<rect x="${x0.toFixed(1)}" y="${frame.top}" width="${Math.max(0, x1 - x0).toFixed(1)}" height="${frame.height - frame.top - frame.bottom}" fill="#f4c7c3" opacity="0.6"/>`;
}

export function axes(frame: Frame, xLabel: string, yLabel: string, yMax: number): string[] {
  const bottom = frame.height - frame.bottom;
  return [
    `<line x1="${frame.left}" y1="${bottom}" x2="${frame.width - frame.right}" y2="${bottom}" stroke="black"/>`,
    `<line x1="${frame.left}" y1="${frame.top}" x2="${frame.left}" y2="${bottom}" stroke="black"/>`,
    text(frame.width / 2, frame.height - 8, xLabel, 'text-anchor="middle"'),
    text(4, frame.top + 10, yLabel),
    text(frame.left - 4, frame.top + 4, String(Math.round(yMax)), 'text-anchor="end"'),
    text(frame.left - 4, bottom, '0', 'text-anchor="end"'),
  ];
}
