/**
 * Headers of every dashboard answer. The CSP allows scripts, styles and connections to this
 * origin only (no inline script or style: the page has none, and uPlot styles its elements
 * through the DOM, which style-src does not restrict); no framing (click-jacking of the operator
 * controls); no referrer (URLs are the fleet's internals).
 */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'cache-control': 'no-store',
});

/** The stream's own: SSE, never buffered by nginx (X-Accel-Buffering), never cached or transformed. */
export const STREAM_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...DASHBOARD_SECURITY_HEADERS,
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
});
