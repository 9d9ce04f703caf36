/**
 * /setup: the first admin, through the one-time link a start logs while no active admin exists.
 * Without that link's token, or once an admin exists, it is the same 404 as any unknown page. The
 * form creates the admin (FirstAdminSetup) and signs the browser in as that admin; refusals come
 * back on the form with their status (a weak password 422, a taken email 409, …).
 */
import type { FastifyPluginAsync } from 'fastify';
import { isSecondStep, type AuthService } from '../auth/auth-service.js';
import { DomainError } from '../errors.js';
import { requestContext } from '../http/route-guard.js';
import type { FirstAdminSetup } from '../users/admin-bootstrap.js';
import { NO_ERRORS, refusalOf, requireFields } from './form-errors.js';
import { formField, queryParam, type PageKit } from './page-kit.js';
import { setupPage } from './views/setup-views.js';

export interface SetupPagesOptions {
  kit: PageKit;
  setup: FirstAdminSetup;
  auth: AuthService;
}

const setupRoute = { page: true, auth: 'optional' } as const;

export const setupPagesRoutes: FastifyPluginAsync<SetupPagesOptions> = async (app, { kit, setup, auth }) => {
  app.get('/setup', { config: setupRoute }, async function setupForm(request, reply) {
    const token = queryParam(request, 'token');
    if (token === null || !(await setup.isOpen(token))) return reply.callNotFound();
    return kit.render(request, reply, 200, (chrome) => setupPage(chrome, { token, email: '', errors: NO_ERRORS }));
  });

  app.post('/setup', { config: setupRoute }, async function createFirstAdmin(request, reply) {
    const token = formField(request, 'token');
    if (!(await setup.isOpen(token))) return reply.callNotFound();
    const email = formField(request, 'email').trim();
    const password = formField(request, 'password');
    try {
      requireFields({ email, password });
      await setup.createFirstAdmin(requestContext(request), token, { email, password });
    } catch (error) {
      // an admin appeared meanwhile (another browser, ADMIN_EMAIL on another instance)
      if (error instanceof DomainError && error.code === 'not_found') return reply.callNotFound();
      const r = refusalOf(error, kit.translator(request), { email_taken: 'email', weak_password: 'password' });
      return kit.render(request, reply, r.status, (chrome) => setupPage(chrome, { token, email, errors: r.errors }), r.headers);
    }
    // signed in as the new admin; should sign-in refuse for any reason, the sign-in page instead
    try {
      const outcome = await auth.login(requestContext(request), { login: email, password });
      if (!isSecondStep(outcome)) {
        kit.session.open(reply, outcome);
        return kit.redirect(reply, '/admin');
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
    return kit.redirect(reply, '/login?next=%2Fadmin');
  });
};
