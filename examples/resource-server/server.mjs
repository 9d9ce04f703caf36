/**
 * A tiny API that trusts Gatehouse's access tokens, checked offline with `jose` against
 * Gatehouse's key set (`<issuer>/.well-known/jwks.json`, fetched once and cached; refetched when a
 * token names an unknown key, so `gatehouse keys rotate` needs no restart here).
 *
 * It accepts both kinds of Gatehouse access token:
 *   - a user's (from POST /api/v1/auth/login or /refresh): header `typ: JWT`, `sub` = the user id;
 *   - a machine's (client credentials at /oidc/token): header `typ: at+jwt` (RFC 9068), `sub` = the client id.
 * Both carry `iss` = the issuer, `aud` = Gatehouse's TOKEN_AUDIENCE and `permissions` (a user's:
 * those of their roles when the token was issued; a machine's: those granted to the client).
 *
 *   GET /invoices  needs the `invoices:read` permission → 200, else 403 (no or bad token → 401)
 *
 * Run it (see README.md):
 *   GATEHOUSE_ISSUER=http://localhost:8000 TOKEN_AUDIENCE=gatehouse PORT=4000 node examples/resource-server/server.mjs
 */
import { createServer } from 'node:http';
import { URL } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const ACCEPTED_TYPES = new Set(['jwt', 'at+jwt', 'application/at+jwt']);

/**
 * Verifies a Bearer token: signature (Gatehouse's keys), `iss`, `aud`, `exp`, and the token type.
 * Resolves to the payload, or throws.
 */
export function tokenVerifier({ issuer, audience }) {
  const jwks = createRemoteJWKSet(new URL(`${issuer.replace(/\/$/, '')}/.well-known/jwks.json`));
  return async function verify(token) {
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: issuer.replace(/\/$/, ''), audience });
    if (!ACCEPTED_TYPES.has(String(protectedHeader.typ ?? '').toLowerCase())) throw new Error('not an access token');
    return payload;
  };
}

function json(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Starts the API; resolves to { url, close }.
 * @param {{ issuer: string, audience?: string, port?: number, host?: string }} options
 */
export async function start({ issuer, audience = 'gatehouse', port = 4000, host = '127.0.0.1' }) {
  const verify = tokenVerifier({ issuer, audience });

  /** the route's permission check: 401 without a valid token, 403 without the permission */
  async function authorize(req, res, permission) {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(req.headers.authorization ?? '');
    if (!match) {
      json(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer' });
      return null;
    }
    let claims;
    try {
      claims = await verify(match[1]);
    } catch {
      json(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      return null;
    }
    const permissions = Array.isArray(claims.permissions) ? claims.permissions : [];
    if (!permissions.includes(permission)) {
      json(res, 403, { error: 'insufficient_scope', required: permission }, { 'www-authenticate': `Bearer error="insufficient_scope", scope="${permission}"` });
      return null;
    }
    return claims;
  }

  const server = createServer((req, res) => {
    (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && url.pathname === '/invoices') {
        const claims = await authorize(req, res, 'invoices:read');
        if (!claims) return;
        // a machine's token names its client; a user's has no client_id
        return json(res, 200, { caller: claims.client_id ? { client: claims.client_id } : { user: claims.sub }, invoices: [{ id: 'INV-1', total: 4200 }] });
      }
      return json(res, 404, { error: 'not_found' });
    })().catch(() => json(res, 500, { error: 'server_error' }));
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    url: `http://${host}:${server.address().port}`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

// run from the command line: configured by the environment
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { GATEHOUSE_ISSUER, TOKEN_AUDIENCE, PORT } = process.env;
  if (!GATEHOUSE_ISSUER) {
    console.error('set GATEHOUSE_ISSUER (see examples/resource-server/README.md)');
    process.exit(1);
  }
  const api = await start({ issuer: GATEHOUSE_ISSUER, audience: TOKEN_AUDIENCE ?? 'gatehouse', port: Number(PORT ?? 4000) });
  console.log(`example API on ${api.url}: GET ${api.url}/invoices needs invoices:read`);
}
