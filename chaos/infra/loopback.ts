// Chaos traffic goes to this machine only: a URL elsewhere is refused before anything is sent.

export class NotLoopbackError extends Error {
  override readonly name = 'NotLoopbackError';
  readonly code = 'CHAOS_NOT_LOOPBACK';
  constructor(readonly url: string) {
    super(`chaos traffic goes to 127.0.0.1 only (got ${url})`);
  }
}

export function assertLoopback(url: string): void {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new NotLoopbackError(url);
  }
  if (host !== '127.0.0.1') throw new NotLoopbackError(url);
}
