// The reference for scenario (o): a bare oidc-provider (the version Gatehouse uses) with the
// library's own in-memory adapter, one static confidential client and one account, configured
// for the same work per token request as Gatehouse's provider: the token endpoint under /oidc,
// client_secret_basic, the same signing algorithm and key type (a fresh key of JWT_ALG), client
// credentials issuing RFC 9068 JWT access tokens through resource indicators (PUBLIC_URL as the
// resource, TOKEN_AUDIENCE as the audience, a `permissions` claim), the same claims and lifetimes
// for the authorization code flow (PKCE, ID token with the scope's claims, opaque access token).
// What it lacks is what Gatehouse adds: a database, the client registry, sealed secrets, the
// page session, Fastify in front.
//
// The library's in-memory adapter keeps the ids of every token issued under a grant in one list it
// walks on each new token, so the bench gives each browser session (hence grant) a bounded number
// of codes (bench/lib/oidc-flow.ts), as many users would.
//
// Its interaction URL signs the one account in and consents at once (no page), so the bench gets
// codes from it through the library's real authorization flow, as it does from Gatehouse.
import http from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';

const env = (k) => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} is required`);
  return v;
};
const port = Number(env('PORT'));
const issuer = `http://127.0.0.1:${port}`;
const alg = env('JWT_ALG');
const resource = env('RESOURCE');
const audience = env('TOKEN_AUDIENCE');
const accessTokenTtl = Number(env('ACCESS_TOKEN_TTL'));
const permissions = env('PERMISSIONS').split(' ').filter(Boolean);
const ACCOUNT = 'bench-account';

const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
const jwk = { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: 'bench-bare' };

// the library's in-memory adapter, over a store larger than its default 1,000 entries: a run
// prepares thousands of codes before redeeming them, which that store would evict
const store = new LRU({ maxSize: 500_000 });

const provider = new Provider(issuer, {
  adapter: (model) => new MemoryAdapter(model, store),
  clients: [
    {
      client_id: env('CLIENT_ID'),
      client_secret: env('CLIENT_SECRET'),
      client_name: 'bench',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'client_credentials'],
      response_types: ['code'],
      redirect_uris: [env('REDIRECT_URI')],
      scope: 'openid email profile',
      id_token_signed_response_alg: alg,
      require_auth_time: true,
      permissions,
    },
  ],
  jwks: { keys: [jwk] },
  cookies: { keys: [env('COOKIE_KEY')] },
  responseTypes: ['code'],
  allowOmittingSingleRegisteredRedirectUri: false,
  clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
  scopes: ['openid', 'offline_access', 'profile', 'email', 'roles'],
  claims: { acr: null, auth_time: null, iss: null, sid: null, openid: ['sub', 'amr'], profile: ['name', 'preferred_username', 'picture', 'updated_at'], email: ['email', 'email_verified'], roles: ['roles'] },
  conformIdTokenClaims: false,
  enabledJWA: { idTokenSigningAlgValues: [alg] },
  extraClientMetadata: { properties: ['permissions'] },
  routes: {
    authorization: '/oidc/auth',
    token: '/oidc/token',
    userinfo: '/oidc/me',
    end_session: '/oidc/session/end',
    revocation: '/oidc/token/revocation',
    introspection: '/oidc/token/introspection',
    jwks: '/.well-known/jwks.json',
  },
  interactions: { url: (_ctx, interaction) => `/oidc/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx) => (ctx.oidc.params?.grant_type === 'client_credentials' ? resource : undefined),
      useGrantedResource: () => false,
      getResourceServerInfo: (ctx, indicator, client) => {
        if (indicator !== resource || ctx.oidc.route !== 'token' || ctx.oidc.params.grant_type !== 'client_credentials') throw new Provider.errors.InvalidTarget();
        const held = client.metadata().permissions ?? [];
        const asked = ctx.oidc.params.scope ? ctx.oidc.params.scope.split(' ').filter(Boolean) : [];
        const missing = asked.find((p) => !held.includes(p));
        if (missing !== undefined) throw new Provider.errors.InvalidScope('requested scope is not allowed', missing);
        if (asked.length === 0 && held.length > 0) ctx.oidc.params.scope = held.join(' ');
        return { scope: held.join(' '), audience, accessTokenTTL: accessTokenTtl, accessTokenFormat: 'jwt', jwt: { sign: { alg } } };
      },
    },
  },
  extraTokenClaims: (_ctx, token) => (token.kind === 'ClientCredentials' ? { permissions: token.scope ? token.scope.split(' ') : [] } : undefined),
  ttl: { AccessToken: accessTokenTtl, ClientCredentials: accessTokenTtl, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, RefreshToken: 604800, Session: 2592000, Grant: 365 * 24 * 3600 },
  revokeGrantPolicy: () => false,
  rotateRefreshToken: true,
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, name: 'Bench', preferred_username: 'bench', updated_at: 1_700_000_000, email: 'bench@example.com', email_verified: true }),
  }),
});
const callback = provider.callback();

const server = http.createServer((req, res) => {
  if (req.url === '/health/ready') {
    res.setHeader('content-type', 'application/json');
    return res.end('{"status":"ok"}');
  }
  if (req.method === 'GET' && req.url?.startsWith('/oidc/interaction/')) {
    // sign the one account in and consent to what was asked, no page
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: ACCOUNT, clientId: details.params.client_id });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: ACCOUNT }, consent: { grantId } }, { mergeWithLastSubmission: false });
    })().catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
    return;
  }
  callback(req, res);
});
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
