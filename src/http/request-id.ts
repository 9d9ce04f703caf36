/**
 * Request ids (one per request, in every access-log line, in the `X-Request-Id` response header and
 * in 5xx problem bodies) so that an operator can follow one request from the proxy's log to ours.
 * A proxy in TRUSTED_PROXIES may pass its own id (nginx: `proxy_set_header X-Request-Id
 * $request_id`, as deploy/nginx.conf does); it is taken only from such a peer and only when it is a
 * short token of safe characters, so a client cannot forge or pollute the ids in our logs.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

const SAFE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestIdGenerator(trustedProxies: readonly string[]): (req: IncomingMessage) => string {
  if (trustedProxies.length === 0) return () => randomUUID();
  const trusted = proxyAddr.compile([...trustedProxies]);
  return function requestId(req) {
    const offered = req.headers['x-request-id'];
    const peer = req.socket.remoteAddress;
    if (typeof offered === 'string' && SAFE_ID.test(offered) && peer !== undefined && trusted(peer, 0)) return offered;
    return randomUUID();
  };
}
