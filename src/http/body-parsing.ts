/**
 * Request bodies (docs/api.md): JSON in. An empty body is "no body" whatever its Content-Type —
 * `curl -d ''` sends a form type, `fetch(url, { body: '' })` sends text/plain — so POST
 * /auth/refresh and /auth/logout work with nothing but a cookie. Any other body must be JSON;
 * a route that takes forms (RFC 7662 introspection) adds a parser for itself.
 *
 * A body over BODY_LIMIT_BYTES is 413 payload_too_large on every method, chunked or not, also for
 * a client that writes its whole request and then closes its sending side (a raw socket's
 * `end(request)`, as a fuzzer or a proxy does). Node's HTTP server used to treat that half-close as
 * an abort: the request still being read — the guard's session lookup on a signed-in DELETE takes
 * a few milliseconds — was destroyed with its buffered body, so the client got no answer at all or,
 * when the abort fell while the body was being read, a 400 for a "malformed" request instead of
 * its 413. Half-open connections are allowed: the request is read to its end and answered, then
 * the connection closes (the server's request and keep-alive timeouts still bound it).
 */
import { errorCodes, type FastifyInstance } from 'fastify';

export function registerBodyParsing(app: FastifyInstance): void {
  // a documented-by-use property of http.Server (not in its typings): answer, then close
  (app.server as { httpAllowHalfOpen?: boolean }).httpAllowHalfOpen = true;
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, function parseJson(request, body, done) {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    defaultJson(request, body as string, done);
  });
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'string' }, function emptyBodyOnly(request, body, done) {
    if (body === '') return done(null, undefined);
    done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(String(request.headers['content-type'] ?? '')));
  });
}
