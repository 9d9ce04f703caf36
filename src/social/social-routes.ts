/**
 * Social sign-in over HTTP (docs/api.md, sign-in and account; docs/security.md, social sign-in): the provider list, authorize → callback, the token
 * exchange for a browser app that just came back, and the caller's linked identities. The browser
 * flow answers with redirects: a failure lands on `/login?error=<reason>`, unless the client asked
 * for JSON (then problem+json).
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/auth-service.js';
import { TokenResponse } from '../auth/auth-schemas.js';
import type { RefreshCookie } from '../auth/refresh-cookie.js';
import { sendGrant } from '../auth/token-response.js';
import { commonErrors, DomainError } from '../errors.js';
import { principalOf, requestContext } from '../http/route-guard.js';
import { errorResponses, IdParams } from '../http/schema-helpers.js';
import { sessionsErrors } from '../sessions/sessions-errors.js';
import { logProviderFailure, OAuthFailure } from './social-errors.js';
import { AuthorizeQuery, CallbackQuery, IdentityList, ProviderParams, PublicProviderList, Redirect, toIdentityView } from './social-schemas.js';
import type { OAuthService, StartedFlow } from './social-service.js';
import type { ProvidersService } from './providers-service.js';
import { SECOND_STEP_COOKIE, secondStepCookie } from '../sign-in/second-step-cookie.js';

export interface OAuthRoutesOptions {
  oauth: OAuthService;
  providers: ProvidersService;
  auth: AuthService;
  cookie: RefreshCookie;
  cookieSecure: boolean;
}

const tags = ['oauth'];
export const FLOW_COOKIE = 'oauth_flow';
/**
 * After a social sign-in of an account with a second factor: the mfa_token for the second-step
 * page (`/login/mfa`), which posts it to POST /api/v1/auth/login/mfa with the code. HttpOnly,
 * scoped to /login, as long-lived as the token itself.
 */
const SECOND_STEP_PAGE = '/login/mfa';

/** a client that asked for JSON (an API client, fetch) gets problem+json instead of a redirect */
function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return /application\/(problem\+)?json/.test(accept) && !accept.includes('text/html');
}

function failureRedirect(reply: FastifyReply, failure: OAuthFailure) {
  return reply.redirect(`/login?error=${encodeURIComponent(failure.reason)}`, 302);
}

/** starts the flow: the sealed flow cookie, scoped to the provider's callback, and where to go */
export function setFlowCookie(reply: FastifyReply, started: StartedFlow, cookieSecure: boolean): void {
  reply.setCookie(FLOW_COOKIE, started.flow, { httpOnly: true, sameSite: 'lax', secure: cookieSecure, path: started.cookiePath, maxAge: started.maxAgeSeconds });
}

export const oauthRoutes: FastifyPluginAsyncTypebox<OAuthRoutesOptions> = async (app, { oauth, providers, auth, cookie, cookieSecure }) => {
  await app.register(fastifyCookie);

  app.get('/oauth/providers', {
    schema: { tags, summary: 'The enabled sign-in providers', response: { 200: PublicProviderList } },
  }, async function listProviders() {
    return { items: await providers.listEnabled() };
  });

  app.get('/oauth/:provider/authorize', {
    config: { auth: 'optional' },
    schema: {
      tags,
      summary: 'Start signing in (or, with mode=link and a bearer token from a session younger than 10 minutes, linking) with a provider',
      params: ProviderParams,
      querystring: AuthorizeQuery,
      response: { 302: Redirect, ...errorResponses(401, 404) },
    },
  }, async function authorize(request, reply) {
    const { provider } = request.params;
    const link = request.query.mode === 'link';
    if (link && !request.principal) throw commonErrors.unauthorized('Linking a provider needs the signed-in user\'s access token.');
    try {
      const principal = link ? principalOf(request) : null;
      const started = await oauth.start(provider, { redirectTo: request.query.redirect_to, link: principal ? { userId: principal.userId, sessionId: principal.sessionId } : null });
      setFlowCookie(reply, started, cookieSecure);
      return reply.redirect(started.location, 302);
    } catch (error) {
      logProviderFailure(request.log, error);
      if (error instanceof OAuthFailure && !wantsJson(request)) return failureRedirect(reply, error);
      throw error;
    }
  });

  app.get('/oauth/:provider/callback', {
    schema: {
      tags,
      summary: 'Where the provider sends the browser back: signs in (refresh cookie set) or links, then redirects',
      params: ProviderParams,
      querystring: CallbackQuery,
      response: { 302: Redirect, ...errorResponses(400, 403, 404, 409) },
    },
  }, async function callback(request, reply) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(request.query as Record<string, unknown>)) if (typeof v === 'string') params.set(k, v);
    const sealed = request.cookies[FLOW_COOKIE] ?? null;
    // single use: whatever happens next, the flow is over
    reply.clearCookie(FLOW_COOKIE, { httpOnly: true, sameSite: 'lax', secure: cookieSecure, path: oauth.callbackPath(request.params.provider) });
    try {
      const done = await oauth.finish(requestContext(request), request.params.provider, params, sealed);
      if (done.kind === 'signed_in') cookie.set(reply, done.grant.refreshToken, done.grant.refreshExpiresAt, done.grant.refreshIssuedAt);
      if (done.kind === 'second_step') {
        reply.setCookie(SECOND_STEP_COOKIE, done.mfaToken, secondStepCookie(cookieSecure));
        return reply.redirect(`${SECOND_STEP_PAGE}?next=${encodeURIComponent(done.redirectTo)}`, 302);
      }
      return reply.redirect(done.redirectTo, 302);
    } catch (error) {
      logProviderFailure(request.log, error);
      if (error instanceof OAuthFailure && !wantsJson(request)) return failureRedirect(reply, error);
      throw error;
    }
  });

  app.post('/oauth/token', {
    schema: {
      tags,
      summary: 'Exchange the refresh cookie set by the callback for a token response (rotates it)',
      body: Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]),
      response: { 200: TokenResponse, ...errorResponses(401, 403, 429) },
    },
  }, async function exchange(request, reply) {
    const token = cookie.read(request);
    if (!token) throw sessionsErrors.invalidRefreshToken();
    cookie.assertOrigin(request);
    try {
      return sendGrant(reply, cookie, await auth.refresh(requestContext(request), token));
    } catch (error) {
      if (error instanceof DomainError && error.status === 401) cookie.clear(reply);
      throw error;
    }
  });

  app.get('/identities', {
    config: { auth: 'required' },
    schema: { tags, summary: 'Your linked provider identities', security: [{ bearer: [] }], response: { 200: IdentityList, ...errorResponses(401) } },
  }, async function listIdentities(request) {
    return { items: (await oauth.listIdentities(principalOf(request).userId)).map(toIdentityView) };
  });

  app.delete('/identities/:id', {
    config: { auth: 'required' },
    schema: { tags, summary: 'Unlink a provider identity (never the last way to sign in)', security: [{ bearer: [] }], params: IdParams, response: { 204: { type: 'null' }, ...errorResponses(400, 401, 404, 409) } },
  }, async function unlinkIdentity(request, reply) {
    await oauth.unlink(requestContext(request), principalOf(request), request.params.id);
    return reply.status(204).send();
  });
};
