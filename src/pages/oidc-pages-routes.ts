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
import { adminPage } from './admin-users-pages-routes.js';
import { formChecked, formList, noticeOf, withNotice } from './console-kit.js';
import { NO_ERRORS, refusalOf, type FormErrors } from './form-errors.js';
import { formField, type PageKit } from './page-kit.js';
import { oidcClientsPage, oidcSecretPage, type OidcClientFormValues } from './views/oidc-admin-views.js';
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

  // ---- the admin console: /admin/oidc-clients ---------------------------------------------------

  const NOTICES: Record<string, string> = { saved: 'The client is saved.', deleted: 'The client is deleted, with its consents and tokens.' };
  const EMPTY: OidcClientFormValues = {
    name: '',
    type: 'confidential',
    redirect_uris: '',
    post_logout_redirect_uris: '',
    grant_types: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    permissions: [],
    skip_consent: false,
  };
  const lines = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

  async function list(request: FastifyRequest, reply: FastifyReply, status: number, values: OidcClientFormValues, errors: FormErrors) {
    const [all, catalogue] = await Promise.all([clients.list(), Promise.resolve(roles.catalogue())]);
    return kit.render(request, reply, status, (chrome) => oidcClientsPage(chrome, { clients: all, notice: noticeOf(request, NOTICES), values, errors, permissions: catalogue.map((p) => p.name) }));
  }

  function clientIdOf(request: FastifyRequest): string {
    const id = (request.params as { client_id?: unknown }).client_id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw commonErrors.notFound('No such client.');
    return id;
  }

  app.get('/admin/oidc-clients', { config: adminPage }, async function oidcClientList(request, reply) {
    return list(request, reply, 200, EMPTY, NO_ERRORS);
  });

  app.post('/admin/oidc-clients', { config: adminPage }, async function registerOidcClient(request, reply) {
    const values: OidcClientFormValues = {
      name: formField(request, 'name').trim(),
      type: formField(request, 'type') === 'public' ? 'public' : 'confidential',
      redirect_uris: formField(request, 'redirect_uris'),
      post_logout_redirect_uris: formField(request, 'post_logout_redirect_uris'),
      grant_types: formList(request, 'grant_types'),
      scopes: formList(request, 'scopes'),
      permissions: formList(request, 'permissions'),
      skip_consent: formChecked(request, 'skip_consent'),
    };
    try {
      if (!values.name) throw commonErrors.validation([{ field: 'name', message: 'is required' }]);
      const { client, clientSecret } = await clients.create(requestContext(request), {
        name: values.name.slice(0, 100),
        type: values.type as 'confidential' | 'public',
        redirectUris: lines(values.redirect_uris),
        postLogoutRedirectUris: lines(values.post_logout_redirect_uris),
        grantTypes: values.grant_types,
        scopes: values.scopes.filter((s) => ['openid', 'profile', 'email', 'offline_access', 'roles'].includes(s)),
        permissions: values.permissions,
        skipConsent: values.skip_consent,
      });
      if (!clientSecret) return kit.redirect(reply, withNotice('/admin/oidc-clients', 'saved'));
      return kit.render(request, reply, 201, (chrome) => oidcSecretPage(chrome, { client, secret: clientSecret, created: true }));
    } catch (error) {
      // the service names `redirect_uris.2`: the form has one field for the list
      const refusal = refusalOf(error instanceof DomainError && error.errors ? new DomainError(error.code, error.title, { detail: error.detail ?? error.title, errors: error.errors.map((e) => ({ ...e, field: e.field.replace(/\.\d+$/, '') })) }) : error);
      return list(request, reply, refusal.status, values, refusal.errors);
    }
  });

  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post(`/admin/oidc-clients/:client_id/${action}`, { config: adminPage }, async function switchOidcClient(request, reply) {
      await clients.update(requestContext(request), clientIdOf(request), { enabled });
      return kit.redirect(reply, withNotice('/admin/oidc-clients', 'saved'));
    });
  }

  app.post('/admin/oidc-clients/:client_id/secret', { config: adminPage }, async function rotateOidcSecret(request, reply) {
    const { client, clientSecret } = await clients.rotateSecret(requestContext(request), clientIdOf(request));
    return kit.render(request, reply, 200, (chrome) => oidcSecretPage(chrome, { client, secret: clientSecret, created: false }));
  });

  app.post('/admin/oidc-clients/:client_id/delete', { config: adminPage }, async function deleteOidcClient(request, reply) {
    await clients.delete(requestContext(request), clientIdOf(request));
    return kit.redirect(reply, withNotice('/admin/oidc-clients', 'deleted'));
  });
};
