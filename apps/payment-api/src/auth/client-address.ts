import { BlockList, isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/** The header nginx sets (deploy/nginx/nginx.conf.template); nginx replaces whatever a client sent in it. */
export const CLIENT_ADDRESS_HEADER = 'x-real-ip';

/**
 * The addresses whose `X-Real-IP` is believed: the load balancer's. Anyone else could put any
 * address in that header and get a fresh allowance of guesses with each one.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  /** `entries`: addresses or CIDR ranges (`127.0.0.1`, `10.0.0.0/8`, `::1`); throws on a malformed one. */
  constructor(readonly entries: readonly string[]) {
    for (const entry of entries) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address);
      if (family === 0) throw new Error(`${JSON.stringify(entry)} is not an IP address or CIDR range`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.list.addAddress(address, type);
      else {
        const prefix = Number(bits);
        if (!/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) throw new Error(`${JSON.stringify(entry)} has a bad prefix length`);
        this.list.addSubnet(address, prefix, type);
      }
    }
    this.empty = entries.length === 0;
  }

  has(address: string): boolean {
    if (this.empty) return false;
    const plain = unmapped(address);
    const family = isIP(plain);
    return family !== 0 && this.list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** Who sent `request`: the peer, or the address its trusted load balancer says it forwarded for. */
export function clientAddress(request: FastifyRequest, trusted: TrustedProxies): string {
  const peer = unmapped(request.socket.remoteAddress ?? 'unknown');
  if (!trusted.has(peer)) return peer;
  const header = request.headers[CLIENT_ADDRESS_HEADER];
  const claimed = typeof header === 'string' ? header.trim() : '';
  return isIP(claimed) === 0 ? peer : unmapped(claimed);
}

/** `::ffff:10.1.2.3` (an IPv4 peer on a dual-stack socket) is 10.1.2.3. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
