/**
 * Request bodies (SPEC §2): JSON in. An empty body is "no body" whatever its Content-Type —
 * `curl -d ''` sends a form type, `fetch(url, { body: '' })` sends text/plain — so POST
 * /auth/refresh and /auth/logout work with nothing but a cookie. Any other body must be JSON;
 * a route that takes forms (RFC 7662 introspection) adds a parser for itself.
 */
import { errorCodes, type FastifyInstance } from 'fastify';

export function registerBodyParsing(app: FastifyInstance): void {
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
