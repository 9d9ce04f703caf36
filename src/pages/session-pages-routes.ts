/**
 * The page session's own routes: its renewal from the refresh cookie (GET
 * /api/v1/auth/page-session, under the cookie's path), sign-out (POST /logout, which continues
 * at POST /api/v1/auth/page-logout when only the refresh cookie can say which session it is), and
 * the signed-in landing pages /dashboard and /account.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { AuthService } from '../auth/auth-service.js';
import type { RefreshCookie } from '../auth/refresh-cookie.js';
import { DomainError } from '../errors.js';
import { requestContext } from '../http/route-guard.js';
import type { UsersService } from '../users/users-service.js';
import type { AccountPage } from './account-page.js';
import { queryParam, type PageKit } from './page-kit.js';
import { PAGE_SESSION_PATH } from './page-session.js';
import { errorPage } from './views/public-views.js';

export interface SessionPagesOptions {
  kit: PageKit;
  auth: AuthService;
  users: UsersService;
  refreshCookie: RefreshCookie;
  account: AccountPage;
}

const PAGE_LOGOUT_PATH = '/api/v1/auth/page-logout';

export const sessionPagesRoutes: FastifyPluginAsync<SessionPagesOptions> = async (app, { kit, auth, refreshCookie, account }) => {
  const { session } = kit;

  function signedOut(reply: FastifyReply) {
    session.clear(reply);
    return kit.redirect(reply, '/login?notice=signed_out');
  }

  app.get(PAGE_SESSION_PATH, { schema: { hide: true } }, async function renewPageSession(request, reply) {
    const next = session.target(queryParam(request, 'next'));
    const toLogin = `/login?next=${encodeURIComponent(next)}`;
    const token = refreshCookie.read(request);
    if (!token) return kit.redirect(reply, toLogin);
    try {
      session.open(reply, await auth.refresh(requestContext(request), token));
      return kit.redirect(reply, next);
    } catch (error) {
      if (!(error instanceof DomainError) || error.status >= 500) throw error;
      // revoked, expired, reused or a disabled account: sign in again
      if (error.status === 401 || error.status === 403) {
        session.clear(reply);
        return kit.redirect(reply, toLogin);
      }
      // rate-limited: an HTML answer (this path is under /api/, whose errors are JSON)
      return kit.send(reply, error.status, errorPage({ csrf: '', user: null, t: kit.translator(request) }, { status: error.status, title: error.title, detail: error.detail ?? null, requestId: null }), error.headers);
    }
  });

  app.post('/logout', { config: { page: true, auth: 'optional' } }, async function signOut(request, reply) {
    if (!request.principal) {
      // the access cookie is gone (expired): the refresh cookie names the session, and the browser
      // sends it only under its path. 307 posts the same form (and its CSRF token) there.
      return reply.redirect(PAGE_LOGOUT_PATH, 307);
    }
    await auth.logout(requestContext(request), { principal: request.principal, refreshToken: null });
    return signedOut(reply);
  });

  app.post(PAGE_LOGOUT_PATH, { schema: { hide: true } }, async function signOutByRefreshCookie(request, reply) {
    await auth.logout(requestContext(request), { principal: null, refreshToken: refreshCookie.read(request) });
    return signedOut(reply);
  });

  // GET /dashboard and its forms: dashboard-pages-routes.ts

  app.get('/account', { config: { page: true, auth: 'required' } }, async function accountPage(request, reply) {
    return account.send(request, reply);
  });
};
