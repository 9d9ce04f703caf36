/**
 * The browser's way through an OpenID Connect authorization ("Sign in with Gatehouse"): the
 * provider library hands the browser to /oidc/interaction/<uid>. Signing in there is Gatehouse's
 * own: the route is a page that needs a page session, so without one the browser goes through
 * /login (every method it offers) and comes back. Then the consent page (unless the client skips
 * consent), whose answer goes back to the library as the interaction's result.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { commonErrors, DomainError } from '../errors.js';
import { principalOf, requestContext } from '../http/route-guard.js';
import type { OidcClientsService } from '../oidc/oidc-clients-service.js';
import type { OidcGrantsService } from '../oidc/oidc-grants-service.js';
import type { OidcProviderHost } from '../oidc/oidc-provider.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import type { RolesService } from '../roles/roles-service.js';
import { adminOidcPagesRoutes } from './admin-oidc-pages-routes.js';
import { formField, type PageKit } from './page-kit.js';
import { consentPage } from './views/oidc-views.js';

export interface OidcPagesOptions {
  kit: PageKit;
  host: OidcProviderHost;
  clients: OidcClientsService;
  grants: OidcGrantsService;
  sessions: SessionsService;
  roles: RolesService;
  /** epoch milliseconds */
  now: () => number;
}

type Details = Awaited<ReturnType<NonNullable<ReturnType<OidcProviderHost['current']>>['provider']['interactionDetails']>>;

const expired = () => new DomainError('validation_error', 'Sign-in expired', { detail: 'This sign-in request is unknown or has expired; go back to the application and start again.' });

export const oidcPagesRoutes: FastifyPluginAsync<OidcPagesOptions> = async (app, { kit, host, clients, grants, sessions, roles, now }) => {
  const config = { page: true, auth: 'required' } as const;

  function provider() {
    const current = host.current();
    if (!current) throw commonErrors.unavailable('signing key');
    return current.provider;
  }

  async function details(request: FastifyRequest, reply: FastifyReply): Promise<Details> {
    try {
      return await provider().interactionDetails(request.raw, reply.raw);
    } catch {
      // no interaction cookie, or an interaction that expired or belongs to another browser
      throw expired();
    }
  }

  /** records consent for what the library says is missing and finishes the interaction */
  async function grant(request: FastifyRequest, reply: FastifyReply, d: Details, implied: boolean) {
    const p = provider();
    const accountId = d.session?.accountId;
    const clientId = String(d.params.client_id);
    if (!accountId) throw expired();
    const grant = d.grantId ? await p.Grant.find(d.grantId) : new p.Grant({ accountId, clientId });
    if (!grant) throw expired();
    const missing = d.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await clients.recordConsent(requestContext(request), { userId: accountId, clientId, scopes: missing.missingOIDCScope ?? [], implied });
    const to = await p.interactionResult(request.raw, reply.raw, { consent: d.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
    return kit.redirect(reply, to);
  }

  app.get('/oidc/interaction/:uid', { config }, async function oidcInteraction(request, reply) {
    const principal = principalOf(request);
    const d = await details(request, reply);
    if (d.prompt.name === 'login') {
      // the Gatehouse page session is the sign-in; its session's start is the sign-in time
      const session = await sessions.find(principal.sessionId);
      if (!session) throw expired();
      const signedInAt = Math.floor(session.createdAt.getTime() / 1000);
      const maxAge = d.params.max_age === undefined ? null : Number(d.params.max_age);
      const staleForPrompt = d.prompt.reasons.includes('login_prompt') && signedInAt < d.iat;
      const staleForMaxAge = maxAge !== null && Math.floor(now() / 1000) - signedInAt > maxAge;
      if (staleForPrompt || staleForMaxAge) {
        // a fresh sign-in is asked for (prompt=login, or max_age passed): this page session ends,
        // the browser signs in again and comes back here
        await sessions.revoke(requestContext(request), principal.userId, principal.sessionId, 'logout');
        kit.session.clear(reply);
        return kit.redirect(reply, `/login?next=${encodeURIComponent(`/oidc/interaction/${d.uid}`)}`);
      }
      const to = await provider().interactionResult(
        request.raw,
        reply.raw,
        { login: { accountId: principal.userId, ts: signedInAt, ...(principal.token.amr ? { amr: [...principal.token.amr] } : {}) } },
        { mergeWithLastSubmission: false },
      );
      return kit.redirect(reply, to);
    }
    if (d.prompt.name !== 'consent') throw expired();
    if (d.session?.accountId !== principal.userId) throw expired();
    const client = await clients.resolve(String(d.params.client_id));
    if (!client) throw expired();
    if (client.skipConsent) return grant(request, reply, d, true);
    const scopes = String(d.params.scope ?? '').split(' ').filter(Boolean);
    return kit.render(request, reply, 200, (chrome) => consentPage(chrome, { action: `/oidc/interaction/${encodeURIComponent(d.uid)}`, clientName: client.name, scopes }));
  });

  app.post('/oidc/interaction/:uid', { config }, async function oidcConsent(request, reply) {
    const principal = principalOf(request);
    const d = await details(request, reply);
    if (d.prompt.name !== 'consent' || d.session?.accountId !== principal.userId) throw expired();
    const decision = formField(request, 'decision');
    if (decision === 'allow') return grant(request, reply, d, false);
    if (decision !== 'deny') throw commonErrors.validation([{ field: 'decision', message: 'must be allow or deny' }]);
    const to = await provider().interactionResult(request.raw, reply.raw, { error: 'access_denied', error_description: 'the user denied access' }, { mergeWithLastSubmission: false });
    return kit.redirect(reply, to);
  });

  // the dashboard's "Connected apps": withdrawing one (DELETE /api/v1/auth/oidc-grants/{client_id})
  app.post('/dashboard/apps/:client_id/revoke', { config }, async function revokeConnectedApp(request, reply) {
    const clientId = (request.params as { client_id?: unknown }).client_id;
    if (typeof clientId !== 'string' || clientId.length > 64) throw commonErrors.notFound('No such application.');
    await grants.revoke(requestContext(request), principalOf(request).userId, clientId);
    return kit.redirect(reply, '/dashboard?notice=app_revoked#apps');
  });

  // ---- the admin console: /admin/oidc-clients (admin-oidc-pages-routes.ts)
  await app.register(adminOidcPagesRoutes, { kit, clients, roles });
};
