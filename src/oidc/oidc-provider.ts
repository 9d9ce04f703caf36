/**
 * Gatehouse as an OpenID Connect provider: the `oidc-provider` library (a Koa app) configured
 * with Gatehouse's own parts — one key set, one client registry, one database.
 *
 * - Keys: the provider signs with the KeyService's active key, so `keys rotate` and `keys revoke`
 *   apply to OIDC tokens too and `/.well-known/jwks.json` verifies them. The library takes its
 *   keys when it is constructed, so the instance is rebuilt as soon as the active key is another
 *   one (the KeyService learns of rotations and revocations through the invalidation bus and its
 *   once-a-second reload); while no key is active nothing is signed (503).
 * - Clients: read from the registry, cached for at most a second and evicted on every instance
 *   by each change (a disabled or deleted client is unknown within a second everywhere,
 *   oidc-clients-service.ts); the secret is opened only for the library to compare.
 * - State: grants, codes, tokens, sessions and interactions live in `oidc_payloads`, so every
 *   instance can finish a flow another started; expired rows are swept as new ones are written
 *   (the library's storage: oidc-adapters.ts). This file is the configuration and its host.
 * - Client credentials: an RFC 9068 JWT for Gatehouse's API as the resource (the resource
 *   indicator is PUBLIC_URL, the audience TOKEN_AUDIENCE); the scope is permission names, the
 *   ones the client holds (none asked = all it holds; one it does not hold = invalid_scope).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { RequestContext } from '../request-context.js';
import type { Db } from '../db/database-types.js';
import type { KeyService } from '../keys/key-service.js';
import type { UsersService } from '../users/users-service.js';
import type { OidcClientsService } from './oidc-clients-service.js';
import { OidcAdapters } from './oidc-adapters.js';
import { interactionPolicy, oidcErrors, Provider } from './oidc-provider-library.js';
import type { OidcPayloadsRepository } from './oidc-payloads-repository.js';

export interface OidcProviderSettings {
  /** the issuer */
  publicUrl: string;
  tokenAudience: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  sessionMaxAge: number;
  /** CORS_ORIGINS: the browser origins that may call the token, userinfo, revocation and introspection endpoints */
  corsOrigins: readonly string[];
}

export interface OidcProviderDeps {
  db: Db;
  payloads: OidcPayloadsRepository;
  clients: OidcClientsService;
  keys: KeyService;
  users: UsersService;
  clock: Clock;
  /** signs the library's cookies (derived from SECRETS_KEY) */
  cookieKey: Buffer;
  /**
   * the Gatehouse page session a request carries: the name of its cookie, and the user whose live
   * session the cookie's token is (null: none, expired, revoked, disabled)
   */
  pageSession: {
    cookie: string;
    userOf(token: string): Promise<string | null>;
    /** the sign-in behind that page token: its user, when it happened (seconds) and how (amr); null as above */
    signInOf(token: string): Promise<{ userId: string; signedInAt: number; amr?: readonly string[] } | null>;
    /** ends the Gatehouse session of that page token (RP-initiated logout) */
    end(token: string, ctx: RequestContext): Promise<void>;
  };
  /** told of each success of the token endpoint, by grant type (metrics) */
  onTokenIssued?: (grantType: string) => void;
  /** the pages the library shows itself, in the reader's language and the brand's look (the pages render them) */
  pages: OidcPages;
  settings: OidcProviderSettings;
}

/**
 * The error page of a request the library will not send back to the client (an unknown client or
 * redirect URI, a broken request): made from the request's headers (the reader's language) and the
 * library's `error` code and English `error_description`, both untrusted text to escape. The
 * locale it answers in goes into Content-Language.
 */
export interface OidcPages {
  error(request: IncomingMessage, error: { error: string; description: string | undefined }): RenderedPage;
  /** RP-initiated logout's question; `libraryForm` is the library's own form markup (action, xsrf), embedded as it is */
  logoutQuestion(request: IncomingMessage, libraryForm: string): RenderedPage;
  /** after that sign-out, when the client named no address to go back to */
  loggedOut(request: IncomingMessage): RenderedPage;
}

/** a page's markup and the language it is in (for Content-Language) */
export interface RenderedPage {
  locale: string;
  body: string;
}

/** answers with a page of the pages' port; it differs by language, so a shared cache must not serve one reader's to another */
function sendPage(ctx: KoaContextWithOIDC, rendered: RenderedPage): void {
  ctx.type = 'html';
  ctx.set('content-language', rendered.locale);
  ctx.vary('Accept-Language');
  ctx.vary('Cookie');
  ctx.body = rendered.body;
}

/** where the library's endpoints live (the discovery document names them; their paths are not contract) */
export const OIDC_PREFIX = '/oidc';
export const OIDC_SCOPES_SUPPORTED = ['openid', 'offline_access', 'profile', 'email', 'roles'];
/** the name under which the scope check is registered with the library (a parameter nobody sends) */
const SCOPE_CHECK_PARAM = 'gatehouse_scope_check';
/** the same for the silent sign-in of prompt=none (below) */
const SILENT_SIGN_IN_PARAM = 'gatehouse_silent_sign_in';
const AUTHORIZATION_CODE_TTL = 60;
const INTERACTION_TTL = 600;
const ID_TOKEN_TTL = 3600;
const GRANT_TTL = 365 * 24 * 3600;

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export class OidcProviderHost {
  #built: { kid: string; provider: Provider; handler: Handler } | null = null;
  readonly #adapters: OidcAdapters;

  constructor(private readonly d: OidcProviderDeps) {
    this.#adapters = new OidcAdapters(d);
  }

  /** the provider that signs with the active key (built anew when that key changed); null while no key is active */
  current(): { provider: Provider; handler: Handler } | null {
    const kid = this.d.keys.activeKid();
    if (!kid) return null;
    if (this.#built?.kid !== kid) {
      const jwk = this.d.keys.activeSigningJwk();
      if (!jwk) return null;
      const provider = this.#build(jwk);
      this.#built = { kid, provider, handler: provider.callback() as unknown as Handler };
    }
    return this.#built;
  }

  #build(jwk: NonNullable<ReturnType<KeyService['activeSigningJwk']>>): Provider {
    const s = this.d.settings;
    const alg = jwk.alg;
    const resource = s.publicUrl;
    const configuration: Configuration = {
      adapter: (name: string) => this.#adapters.for(name, alg),
      jwks: { keys: [jwk as never] },
      cookies: { keys: [this.d.cookieKey.toString('base64url')] },
      responseTypes: ['code'],
      // redirect_uri is required even when the client registered only one (OpenID Connect Core):
      // without it the request gets the error page, never a redirect
      allowOmittingSingleRegisteredRedirectUri: false,
      clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
      // a browser origin may call the client endpoints only when CORS_ORIGINS lists it (one
      // allow-list for the whole service; the library's default would also admit a public client's
      // redirect URI origins); a listed origin's CORS headers are set before the library runs
      clientBasedCORS: (_ctx: KoaContextWithOIDC, origin: string) => s.corsOrigins.includes(origin),
      scopes: OIDC_SCOPES_SUPPORTED,
      claims: {
        // the library's defaults (this object replaces them), so discovery lists these claims too
        acr: null,
        auth_time: null,
        iss: null,
        sid: null,
        // `amr` (how the user signed in) in every ID token: the library adds it only when the
        // claims parameter asks for it; userinfo has no such claim
        openid: ['sub', 'amr'],
        profile: ['name', 'preferred_username', 'picture', 'updated_at'],
        email: ['email', 'email_verified'],
        roles: ['roles'],
      },
      // the ID token carries the granted scopes' claims too, not only userinfo
      conformIdTokenClaims: false,
      enabledJWA: { idTokenSigningAlgValues: [alg as never] },
      clientDefaults: { id_token_signed_response_alg: alg as never, grant_types: ['authorization_code'], response_types: ['code'] },
      extraClientMetadata: { properties: ['permissions'] },
      // a requested scope outside the client's list is invalid_scope — unknown names included,
      // which the library would drop silently (it checks only the names it knows). Read from the
      // request itself: by the time this runs the library has filtered the parameter.
      extraParams: {
        [SCOPE_CHECK_PARAM]: (ctx: KoaContextWithOIDC, _value: unknown, client: { scope?: string | undefined }) => {
          const raw = ctx.method === 'POST' ? (ctx.oidc.body as { scope?: unknown } | undefined)?.scope : ctx.query.scope;
          const allowed = new Set(String(client.scope ?? '').split(' '));
          const outside = (typeof raw === 'string' ? raw.split(' ') : []).find((s) => s !== '' && !allowed.has(s));
          if (outside !== undefined) throw new oidcErrors.InvalidScope('requested scope is not allowed', outside);
        },
        // prompt=none answers as the Gatehouse page session allows: a browser signed in to Gatehouse
        // whose provider session has no user yet is signed in to it here, before the library loads
        // the account and the grant, so the answer is the consent's (a code, or consent_required)
        // rather than login_required. Other requests sign it in through the interaction.
        [SILENT_SIGN_IN_PARAM]: async (ctx: KoaContextWithOIDC) => {
          const session = ctx.oidc.session as unknown as { accountId?: string; loginAccount(details: { accountId: string; loginTs: number; amr?: string[] }): void } | undefined;
          if (ctx.oidc.route !== 'authorization' || !session || session.accountId || !ctx.oidc.prompts.has('none')) return;
          const token = ctx.cookies.get(this.d.pageSession.cookie, { signed: false });
          const signIn = token ? await this.d.pageSession.signInOf(token) : null;
          if (signIn) session.loginAccount({ accountId: signIn.userId, loginTs: signIn.signedInAt, ...(signIn.amr ? { amr: [...signIn.amr] } : {}) });
        },
      },
      routes: {
        authorization: `${OIDC_PREFIX}/auth`,
        token: `${OIDC_PREFIX}/token`,
        userinfo: `${OIDC_PREFIX}/me`,
        end_session: `${OIDC_PREFIX}/session/end`,
        revocation: `${OIDC_PREFIX}/token/revocation`,
        introspection: `${OIDC_PREFIX}/token/introspection`,
        // Gatehouse's own key set (served by the JWKS route, never by the library)
        jwks: '/.well-known/jwks.json',
      },
      interactions: { policy: this.#policy(), url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `${OIDC_PREFIX}/interaction/${interaction.uid}` },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        // a client introspects and revokes only its own tokens (another client's: active false)
        introspection: { enabled: true, allowedPolicy: (_ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string | undefined }) => token.clientId === client.clientId },
        revocation: { enabled: true, allowedPolicy: (_ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string | undefined }) => token.clientId === client.clientId },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: (ctx: KoaContextWithOIDC, form: string) => sendPage(ctx, this.d.pages.logoutQuestion(ctx.req, form)),
          postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => sendPage(ctx, this.d.pages.loggedOut(ctx.req)),
        },
        userinfo: { enabled: true },
        resourceIndicators: {
          enabled: true,
          // client credentials are for Gatehouse's API unless another resource is named (and refused)
          defaultResource: (ctx: KoaContextWithOIDC) => ((ctx.oidc.params as { grant_type?: unknown } | undefined)?.grant_type === 'client_credentials' ? resource : undefined) as string,
          useGrantedResource: () => false,
          // the client's own `permissions` (an extra metadata property keeps its name on the
          // instance); client.metadata() would rebuild every property in snake case per request
          getResourceServerInfo: (ctx: KoaContextWithOIDC, indicator: string, client: object) => {
            if (indicator !== resource || ctx.oidc.route !== 'token' || (ctx.oidc.params as { grant_type?: unknown }).grant_type !== 'client_credentials') {
              throw new oidcErrors.InvalidTarget();
            }
            const held = (client as { permissions?: string[] | undefined }).permissions ?? [];
            const params = ctx.oidc.params as { scope?: string };
            const asked = params.scope ? params.scope.split(' ').filter(Boolean) : [];
            const missing = asked.find((p) => !held.includes(p));
            if (missing !== undefined) throw new oidcErrors.InvalidScope('requested scope is not allowed', missing);
            // none asked = every permission the client holds
            if (asked.length === 0 && held.length > 0) params.scope = held.join(' ');
            return {
              scope: held.join(' '),
              audience: s.tokenAudience,
              accessTokenTTL: s.accessTokenTtl,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: alg as never } },
            };
          },
        },
      },
      extraTokenClaims: (_ctx: KoaContextWithOIDC, token: { kind: string; scope?: string | undefined }) =>
        token.kind === 'ClientCredentials' ? { permissions: token.scope ? token.scope.split(' ') : [] } : undefined,
      ttl: {
        AccessToken: s.accessTokenTtl,
        ClientCredentials: s.accessTokenTtl,
        AuthorizationCode: AUTHORIZATION_CODE_TTL,
        IdToken: ID_TOKEN_TTL,
        Interaction: INTERACTION_TTL,
        RefreshToken: s.refreshTokenTtl,
        Session: s.sessionMaxAge,
        Grant: GRANT_TTL,
      },
      // revoking tokens (a replayed code, a reused refresh token, a revocation request) leaves the
      // consent in place: only the user's withdrawal or the client's deletion removes it
      revokeGrantPolicy: () => false,
      // refresh tokens rotate on every use; presenting a rotated-out one revokes the grant's tokens
      rotateRefreshToken: true,
      // consent belongs to the user and the client, not to one browser's provider session
      loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
        const fromResult = (ctx.oidc.result as { consent?: { grantId?: string } } | undefined)?.consent?.grantId;
        const accountId = ctx.oidc.session?.accountId;
        const clientId = ctx.oidc.client?.clientId;
        const grantId = fromResult ?? (accountId && clientId ? await this.d.payloads.findGrantId(this.d.db, accountId, clientId, new Date(this.d.clock.now())) : null);
        return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
      },
      findAccount: async (_ctx: KoaContextWithOIDC, sub: string) => {
        const user = await this.d.users.getCached(sub);
        if (!user || user.disabled) return undefined;
        return {
          accountId: user.id,
          claims: () => {
            const claims: Record<string, unknown> = {
              sub: user.id,
              name: user.name,
              preferred_username: user.username,
              picture: user.avatarUrl,
              updated_at: Math.floor(user.updatedAt.getTime() / 1000),
              email: user.email,
              email_verified: user.email === null ? null : user.emailVerified,
              roles: user.roles,
            };
            // a claim whose value is null is left out
            for (const key of Object.keys(claims)) if (claims[key] === null) delete claims[key];
            return claims as { sub: string };
          },
        };
      },
      renderError: (ctx: KoaContextWithOIDC, out: { error: string; error_description?: string | undefined }) => {
        sendPage(ctx, this.d.pages.error(ctx.req, { error: out.error, description: out.error_description }));
      },
    };
    const provider = new Provider(s.publicUrl, configuration);
    // the issuer decides every URL the library writes (see forward in oidc-routes.ts)
    provider.proxy = true;
    // every ID token names the provider session (`sid`, as OpenID Connect logout defines it); the
    // library adds it only for back-channel logout clients. This class is this provider's own.
    (provider.Client.prototype as unknown as { includeSid(): boolean }).includeSid = () => true;
    const onTokenIssued = this.d.onTokenIssued;
    if (onTokenIssued) {
      provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
        const grantType = (ctx.oidc.params as { grant_type?: unknown } | undefined)?.grant_type;
        if (typeof grantType === 'string') onTokenIssued(grantType);
      });
    }
    // a code the library used up in a request that stored no token (it failed after using it up)
    // is written used up when the request ends, as the library would have written it at once
    const settle = (ctx: object) => this.#adapters.settleRedemption(ctx as { status: number; body: unknown });
    provider.use(async function settleRedemption(ctx, next) {
      try {
        await next();
      } finally {
        await settle(ctx);
      }
    });
    // RP-initiated logout ends the Gatehouse page session too (not only the provider's own)
    const { cookie, end } = this.d.pageSession;
    provider.use(async function endPageSession(ctx, next) {
      await next();
      const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
      if (oidc?.route !== 'end_session_confirm' || !(oidc.params as { logout?: unknown } | undefined)?.logout || ctx.status >= 400) return;
      const token = ctx.cookies.get(cookie, { signed: false });
      if (!token) return;
      const ua = ctx.get('user-agent');
      await end(token, { actorId: null, ip: (ctx.req as { gatehouseIp?: string }).gatehouseIp ?? null, userAgent: ua || null });
    });
    // a grant type the client was not given is `unauthorized_client` (RFC 6749 §5.2); the library
    // answers it as invalid_request
    provider.use(async function unauthorizedClient(ctx, next) {
      await next();
      const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
      const body = ctx.body as { error?: unknown } | undefined;
      const grantType = (oidc?.params as { grant_type?: unknown } | undefined)?.grant_type;
      if (oidc?.route === 'token' && ctx.status === 400 && body?.error === 'invalid_request' && oidc.client && typeof grantType === 'string' && !oidc.client.grantTypeAllowed(grantType)) {
        ctx.body = { ...body, error: 'unauthorized_client' };
      }
    });
    return provider;
  }

  /**
   * The library's prompts, with one more reason to sign in: the provider's browser session follows
   * Gatehouse's page session. When the page session ended (signed out, revoked) or is another
   * user's, the browser goes through the sign-in step again (and `prompt=none` answers login_required).
   */
  #policy() {
    const policy = interactionPolicy.base();
    const { cookie, userOf } = this.d.pageSession;
    const check = new interactionPolicy.Check('page_session', 'the Gatehouse sign-in of this browser ended or is another user', 'login_required', async (ctx: KoaContextWithOIDC) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId) return interactionPolicy.Check.NO_NEED_TO_PROMPT; // no_session asks already
      const token = ctx.cookies.get(cookie, { signed: false });
      const user = token ? await userOf(token) : null;
      if (user === accountId) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      // that sign-in is over: the provider's session forgets its user (a new identifier, no
      // authorizations), so whoever signs in next starts afresh instead of being taken for them
      const session = ctx.oidc.session as unknown as { accountId?: string; loginTs?: number; amr?: unknown; acr?: unknown; authorizations?: unknown; resetIdentifier(): void };
      delete session.accountId;
      delete session.loginTs;
      delete session.amr;
      delete session.acr;
      delete session.authorizations;
      session.resetIdentifier();
      return interactionPolicy.Check.REQUEST_PROMPT;
    });
    policy.get('login')!.checks.add(check, 1);
    return policy;
  }
}
