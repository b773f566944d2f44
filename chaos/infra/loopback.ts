// Chaos traffic goes to this machine only: a URL elsewhere is refused before anything is sent.
// The one exception is an address the suite itself gave an instance in a network namespace it
// made on this machine (netns.ts), allowed while that namespace exists.

export class NotLoopbackError extends Error {
  override readonly name = 'NotLoopbackError';
  readonly code = 'CHAOS_NOT_LOOPBACK';
  constructor(readonly url: string) {
    super(`chaos traffic goes to 127.0.0.1 only (got ${url})`);
  }
}

const suiteAddresses = new Set<string>();

/** Allows `address` (an instance's in a namespace the suite made) until the returned function is called. */
export function allowSuiteAddress(address: string): () => void {
  suiteAddresses.add(address);
  return () => suiteAddresses.delete(address);
}

export function assertLoopback(url: string): void {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new NotLoopbackError(url);
  }
  if (host !== '127.0.0.1' && !suiteAddresses.has(host)) throw new NotLoopbackError(url);
}
