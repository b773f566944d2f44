import type { FastifyRequest } from 'fastify';
import { clientAddress, TrustedProxies } from './client-address';

const request = (peer: string, realIp?: string): FastifyRequest => ({ socket: { remoteAddress: peer }, headers: realIp === undefined ? {} : { 'x-real-ip': realIp } }) as unknown as FastifyRequest;

describe('clientAddress', () => {
  const loopback = new TrustedProxies(['127.0.0.1', '10.0.0.0/8', '::1']);

  it('believes X-Real-IP only from a trusted proxy', () => {
    expect(clientAddress(request('127.0.0.1', '203.0.113.7'), loopback)).toBe('203.0.113.7');
    expect(clientAddress(request('::ffff:10.2.3.4', '203.0.113.7'), loopback)).toBe('203.0.113.7');
    expect(clientAddress(request('192.0.2.1', '203.0.113.7'), loopback)).toBe('192.0.2.1');
    expect(clientAddress(request('127.0.0.1', '203.0.113.7'), new TrustedProxies([]))).toBe('127.0.0.1');
  });

  it('falls back to the peer when the header is missing or not an address', () => {
    expect(clientAddress(request('127.0.0.1'), loopback)).toBe('127.0.0.1');
    expect(clientAddress(request('127.0.0.1', 'not-an-ip, 1.2.3.4'), loopback)).toBe('127.0.0.1');
    expect(clientAddress(request('::ffff:192.0.2.1'), loopback)).toBe('192.0.2.1');
  });

  it('refuses a malformed TRUSTED_PROXIES entry', () => {
    expect(() => new TrustedProxies(['localhost'])).toThrow(/not an IP address/);
    expect(() => new TrustedProxies(['10.0.0.0/33'])).toThrow(/prefix length/);
  });
});
