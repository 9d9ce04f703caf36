/**
 * /dashboard and its forms (docs/architecture.md): profile changes go to UsersService.updateProfile (the rules
 * of PATCH /me), session revocation to SessionsService.revokeOwn (DELETE /sessions/{id}: only the
 * caller's own, else 404), unlinking to OAuthService.unlink (never the last way in: 409), and
 * connecting a provider starts the API's own link flow (OAuthService.start with this user). Each
 * form answers with a redirect carrying a notice (Post/Redirect/Get) or the dashboard again with
 * the refusal next to the form and the error's status. Revoking the session this browser uses
 * signs it out.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../errors.js';
import { principalOf, requestContext } from '../http/route-guard.js';
import { checkBody } from '../http/validation.js';
import { logProviderFailure } from '../social/social-errors.js';
import { setFlowCookie } from '../social/social-routes.js';
import type { OAuthService } from '../social/social-service.js';
import type { ProvidersService } from '../social/providers-service.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import { PatchMeBody } from '../users/users-schemas.js';
import type { UsersService } from '../users/users-service.js';
import type { MessageKey } from '../i18n/translator.js';
import { noticeOf, orNull, pathId, withNotice } from './console-kit.js';
import { refusalOf, type FormErrors } from './form-errors.js';
import { formField, type PageKit } from './page-kit.js';
import { connectProviderPage, dashboardPage, type DashboardView } from './views/dashboard-views.js';

export interface DashboardPagesOptions {
  kit: PageKit;
  users: UsersService;
  sessions: SessionsService;
  oauth: OAuthService;
  providers: ProvidersService;
  cookieSecure: boolean;
  /** the applications signed in to with Gatehouse ("connected apps") */
  apps?: { list(userId: string): Promise<NonNullable<DashboardView['apps']>> };
}

const signedIn = { page: true, auth: 'required' } as const;

/** what a redirect to /dashboard may carry (`?notice=<key>`), as catalogue keys */
const NOTICES: Record<string, MessageKey> = {
  profile: 'dashboard.notice.profile',
  revoked: 'dashboard.notice.revoked',
  unlinked: 'dashboard.notice.unlinked',
  app_revoked: 'dashboard.notice.appRevoked',
};

export const dashboardPagesRoutes: FastifyPluginAsync<DashboardPagesOptions> = async (app, { kit, users, sessions, oauth, providers, cookieSecure, apps }) => {
  async function show(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: { profile?: DashboardView['profile']; error?: string | null } = {},
    headers: Record<string, string> = {},
  ) {
    const principal = principalOf(request);
    const notice = noticeOf(request, NOTICES) as MessageKey | null;
    const [user, live, identities, enabled, connectedApps] = await Promise.all([
      users.get(principal.userId),
      sessions.listLive(principal.userId),
      oauth.listIdentities(principal.userId),
      providers.listEnabled(),
      apps ? apps.list(principal.userId) : [],
    ]);
    const view: DashboardView = {
      user,
      sessions: live,
      currentSessionId: principal.sessionId,
      identities,
      providers: enabled,
      notice: notice && kit.translator(request).t(notice),
      profile: extra.profile ?? null,
      error: extra.error ?? null,
      apps: connectedApps,
    };
    return kit.render(request, reply, status, (chrome) => dashboardPage(chrome, view), headers);
  }

  app.get('/dashboard', { config: signedIn }, async function dashboard(request, reply) {
    return show(request, reply, 200);
  });

  app.post('/dashboard/profile', { config: signedIn }, async function saveProfile(request, reply) {
    const values = { name: formField(request, 'name'), username: formField(request, 'username'), avatar_url: formField(request, 'avatar_url') };
    try {
      // an emptied field clears it (null), as PATCH /me with null does
      const body = checkBody<{ name: string | null; username: string | null; avatar_url: string | null }>(PatchMeBody, {
        name: orNull(values.name),
        username: orNull(values.username),
        avatar_url: orNull(values.avatar_url),
      });
      await users.updateProfile(requestContext(request), principalOf(request).userId, { name: body.name, username: body.username, avatarUrl: body.avatar_url });
    } catch (error) {
      const r = refusalOf(error, kit.translator(request), { username_taken: 'username' });
      const errors: FormErrors = r.errors;
      return show(request, reply, r.status, { profile: { values, errors } }, r.headers);
    }
    return kit.redirect(reply, withNotice('/dashboard', 'profile'));
  });

  app.post('/dashboard/sessions/:id/revoke', { config: signedIn }, async function revokeSession(request, reply) {
    const principal = principalOf(request);
    const id = pathId(request, 'session');
    try {
      await sessions.revokeOwn(requestContext(request), principal.userId, id, 'session.revoked');
    } catch (error) {
      const r = refusalOf(error, kit.translator(request));
      return show(request, reply, r.status, { error: r.text }, r.headers);
    }
    if (id === principal.sessionId) {
      // this browser's own session: it is signed out, like the sign-out button
      kit.session.clear(reply);
      return kit.redirect(reply, '/login?notice=signed_out');
    }
    return kit.redirect(reply, withNotice('/dashboard', 'revoked'));
  });

  app.post('/dashboard/identities/:id/unlink', { config: signedIn }, async function unlinkIdentity(request, reply) {
    const id = pathId(request, 'connected account');
    try {
      await oauth.unlink(requestContext(request), principalOf(request), id);
    } catch (error) {
      const r = refusalOf(error, kit.translator(request));
      return show(request, reply, r.status, { error: r.text }, r.headers);
    }
    return kit.redirect(reply, withNotice('/dashboard', 'unlinked'));
  });

  // A form (POST with the CSRF token), so a cross-site page cannot start linking this account to
  // an identity of its choosing; it starts the flow GET /oauth/{provider}/authorize?mode=link
  // starts (a session younger than ten minutes) and answers with a page that links on to the
  // provider: the pages' CSP (form-action 'self') stops a form's redirect to another origin.
  app.post<{ Params: { provider: string } }>('/dashboard/identities/link/:provider', { config: signedIn }, async function linkIdentity(request, reply) {
    const principal = principalOf(request);
    try {
      const provider = (await providers.listEnabled()).find((p) => p.id === request.params.provider);
      const started = await oauth.start(request.params.provider, { redirectTo: '/dashboard', link: { userId: principal.userId, sessionId: principal.sessionId } });
      setFlowCookie(reply, started, cookieSecure);
      return kit.render(request, reply, 200, (chrome) => connectProviderPage(chrome, { providerName: provider?.name ?? request.params.provider, location: started.location }));
    } catch (error) {
      logProviderFailure(request.log, error);
      if (!(error instanceof DomainError) || error.status >= 500) throw error;
      const r = refusalOf(error, kit.translator(request));
      return show(request, reply, r.status, { error: r.text }, r.headers);
    }
  });
};
