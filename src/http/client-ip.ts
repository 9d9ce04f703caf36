import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/**
 * The caller's address (docs/security.md): `request.ip`, which Fastify takes from X-Forwarded-For when the
 * connection comes from one of TRUSTED_PROXIES. A trusted proxy can still pass on a hop that is
 * not an address at all (`X-Forwarded-For: <script>`); that would become the rate-limit key and
 * the IP stored with sessions and audit events, so the proxy's own address is used instead.
 */
export function clientIp(request: FastifyRequest): string {
  const ip = request.ip;
  if (isIP(ip) !== 0) return ip;
  return request.socket?.remoteAddress ?? 'unknown';
}
