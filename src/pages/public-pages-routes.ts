/**
 * The public pages (docs/architecture.md): /login, /register, /forgot-password, /reset-password and
 * /verify-email. Each form is checked against the API's own body schema and handed to the same
 * service method as the API route; a refusal comes back as the form with its messages and the
 * error's status (401 for a failed sign-in, keeping the typed `login`), never as JSON.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { LoginBody, RegisterBody } from '../auth/auth-schemas.js';
import { isSecondStep, type AuthService } from '../auth/auth-service.js';
import type { Config } from '../config/load-config.js';
import { CodeBody, PasswordResetBody, PasswordResetConfirmBody } from '../email-ownership/email-schemas.js';
import type { EmailService, LinkOutcome } from '../email-ownership/email-service.js';
import type { PasswordResetService } from '../email-ownership/password-reset-service.js';
import { principalOf, requestContext } from '../http/route-guard.js';
import { isLocale, LOCALE_COOKIE } from '../i18n/locales.js';
import type { MessageKey, Translator } from '../i18n/translator.js';
import { checkBody } from '../http/validation.js';
import type { ProvidersService } from '../social/providers-service.js';
import type { UsersService } from '../users/users-service.js';
import { NO_ERRORS, refusalOf, requireFields, type FormErrors } from './form-errors.js';
import { formField, queryParam, type PageKit } from './page-kit.js';
import { forgotPasswordPage, loginPage, registerPage, resetPasswordPage, verifyEmailPage, type VerifyView } from './views/public-views.js';

export interface PublicPagesOptions {
  kit: PageKit;
  auth: AuthService;
  email: EmailService;
  passwordReset: PasswordResetService;
  users: UsersService;
  providers: ProvidersService;
  settings: Pick<Config, 'registration' | 'accountEmail' | 'requireEmailVerification' | 'emailLogin' | 'cookieSecure'>;
}

const publicPage = { page: true, auth: 'optional' } as const;

/** a year, in seconds */
const LOCALE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60;

/** the messages /login shows for the reasons other pages send people there with (catalogue keys) */
const LOGIN_NOTICES: Record<string, MessageKey> = {
  reset: 'public.signIn.notice.reset',
  signed_out: 'public.signIn.notice.signedOut',
  second_step_expired: 'public.signIn.notice.secondStepExpired',
  second_step_locked: 'public.signIn.notice.secondStepLocked',
};

/** what /verify-email?token= says for each outcome of the link (catalogue keys) */
const LINK_RESULTS: Record<LinkOutcome, { status: number; kind: 'ok' | 'error'; title: MessageKey; message: MessageKey }> = {
  verified: { status: 200, kind: 'ok', title: 'public.verify.verified.title', message: 'public.verify.verified.message' },
  expired: { status: 400, kind: 'error', title: 'public.verify.expired.title', message: 'public.verify.expired.message' },
  invalid: { status: 400, kind: 'error', title: 'public.verify.invalid.title', message: 'public.verify.invalid.message' },
};

/** the notice of a key from a fixed map, in the reader's language */
function noticeFrom(t: Translator, map: Record<string, MessageKey>, key: string | null): string | null {
  return key !== null && Object.hasOwn(map, key) ? t.t(map[key]!) : null;
}

export const publicPagesRoutes: FastifyPluginAsync<PublicPagesOptions> = async (app, { kit, auth, email, passwordReset, users, providers, settings }) => {
  const registrationOpen = settings.registration !== 'closed';

  // the language switch (every page's footer): remembers the choice for a year, back to the page;
  // a signed-in reader's account remembers it too, for the mail others cause (docs/architecture.md, languages)
  app.get<{ Params: { locale: string } }>('/language/:locale', { config: publicPage }, async function chooseLanguage(request, reply) {
    const { locale } = request.params;
    if (!isLocale(locale)) return reply.callNotFound();
    const user = request.principal ? await users.getCached(request.principal.userId) : null;
    if (user) await users.rememberLocale(user, locale);
    reply.setCookie(LOCALE_COOKIE, locale, { path: '/', maxAge: LOCALE_COOKIE_MAX_AGE, sameSite: 'lax', secure: settings.cookieSecure, httpOnly: true });
    reply.header('cache-control', 'no-store');
    return kit.redirect(reply, kit.session.target(queryParam(request, 'next')));
  });

  async function showLogin(request: FastifyRequest, reply: FastifyReply, status: number, v: { login: string; next: string | null; errors: FormErrors; notice?: string | null }, headers: Record<string, string> = {}) {
    const list = await providers.listEnabled();
    return kit.render(request, reply, status, (chrome) => loginPage(chrome, { ...v, notice: v.notice ?? null, providers: list, registrationOpen, emailLogin: settings.emailLogin === 'on' }), headers);
  }

  app.get('/login', { config: publicPage }, async function loginForm(request, reply) {
    const next = queryParam(request, 'next');
    if (request.principal) return kit.redirect(reply, kit.session.target(next));
    // ?error= from a failed social sign-in (or an expired second step), ?notice= from other pages
    const reason = queryParam(request, 'error');
    const t = kit.translator(request);
    const notice = reason
      ? (noticeFrom(t, LOGIN_NOTICES, reason) ?? t.t('public.signIn.notice.providerFailed', { reason: reason.slice(0, 64) }))
      : noticeFrom(t, LOGIN_NOTICES, queryParam(request, 'notice'));
    return showLogin(request, reply, 200, { login: '', next: kit.session.next(next), errors: NO_ERRORS, notice });
  });

  app.post('/login', { config: publicPage }, async function signIn(request, reply) {
    const login = formField(request, 'login');
    const password = formField(request, 'password');
    const next = kit.session.next(formField(request, 'next'));
    try {
      requireFields({ login, password });
      checkBody(LoginBody, { login, password });
      const outcome = await auth.login(requestContext(request), { login, password });
      if (isSecondStep(outcome)) {
        kit.session.beginSecondStep(reply, outcome.mfaToken);
        return kit.redirect(reply, `/login/mfa${next ? `?next=${encodeURIComponent(next)}` : ''}`);
      }
      kit.session.open(reply, outcome);
      return kit.redirect(reply, kit.session.target(next));
    } catch (error) {
      const r = refusalOf(error, kit.translator(request));
      return showLogin(request, reply, r.status, { login, next, errors: r.errors }, r.headers);
    }
  });

  app.get('/register', { config: publicPage }, async function registerForm(request, reply) {
    if (request.principal) return kit.redirect(reply, '/dashboard');
    return kit.render(request, reply, registrationOpen ? 200 : 403, (chrome) =>
      registerPage(chrome, { values: { email: '', username: '', name: '' }, errors: NO_ERRORS, closed: !registrationOpen, emailOptional: settings.accountEmail === 'optional' }),
    );
  });

  app.post('/register', { config: publicPage }, async function register(request, reply) {
    const values = { email: formField(request, 'email'), username: formField(request, 'username'), name: formField(request, 'name') };
    const password = formField(request, 'password');
    try {
      const input = checkBody<{ email?: string; password: string; username?: string; name?: string }>(RegisterBody, {
        ...(values.email ? { email: values.email } : {}),
        password,
        ...(values.username ? { username: values.username } : {}),
        ...(values.name ? { name: values.name } : {}),
      });
      const { grant } = await auth.register(requestContext(request), input);
      if (!grant) return kit.redirect(reply, '/verify-email?registered=1');
      kit.session.open(reply, grant);
      return kit.redirect(reply, '/dashboard');
    } catch (error) {
      const r = refusalOf(error, kit.translator(request), { email_taken: 'email', username_taken: 'username', weak_password: 'password' });
      return kit.render(request, reply, r.status, (chrome) =>
        registerPage(chrome, { values, errors: r.errors, closed: r.code === 'registration_closed', emailOptional: settings.accountEmail === 'optional' }), r.headers);
    }
  });

  app.get('/forgot-password', { config: publicPage }, async function forgotForm(request, reply) {
    return kit.render(request, reply, 200, (chrome) => forgotPasswordPage(chrome, { email: '', errors: NO_ERRORS }));
  });

  app.post('/forgot-password', { config: publicPage }, async function requestReset(request, reply) {
    const address = formField(request, 'email').trim();
    try {
      checkBody(PasswordResetBody, { email: address });
      await passwordReset.request(requestContext(request), address);
    } catch (error) {
      const r = refusalOf(error, kit.translator(request));
      return kit.render(request, reply, r.status, (chrome) => forgotPasswordPage(chrome, { email: address, errors: r.errors }), r.headers);
    }
    // the same answer whether or not the address has an account (no enumeration); PRG: the code form
    return kit.redirect(reply, `/reset-password?email=${encodeURIComponent(address)}&notice=sent`);
  });

  app.get('/reset-password', { config: publicPage }, async function resetForm(request, reply) {
    const token = queryParam(request, 'token');
    const notice = queryParam(request, 'notice') === 'sent' ? kit.translator(request).t('public.forgot.sent') : null;
    return kit.render(request, reply, 200, (chrome) => resetPasswordPage(chrome, { token, email: queryParam(request, 'email') ?? '', notice, errors: NO_ERRORS }));
  });

  app.post('/reset-password', { config: publicPage }, async function resetPassword(request, reply) {
    const token = formField(request, 'token') || null;
    const address = formField(request, 'email').trim();
    const newPassword = formField(request, 'new_password');
    try {
      if (token) {
        const outcome = await passwordReset.confirmByLink(requestContext(request), { token, newPassword });
        if (outcome !== 'verified') {
          return kit.render(request, reply, 400, (chrome) => resetPasswordPage(chrome, { token: null, email: '', notice: null, errors: { message: chrome.t.t(outcome === 'expired' ? 'public.reset.linkExpired' : 'public.reset.linkInvalid'), fields: {} } }));
        }
      } else {
        const input = checkBody<{ email: string; code: string; new_password: string }>(PasswordResetConfirmBody, { email: address, code: formField(request, 'code').trim(), new_password: newPassword });
        await passwordReset.confirmByCode(requestContext(request), { email: input.email, code: input.code, newPassword: input.new_password });
      }
    } catch (error) {
      const r = refusalOf(error, kit.translator(request), { weak_password: 'new_password', invalid_code: 'code', code_expired: 'code' });
      return kit.render(request, reply, r.status, (chrome) => resetPasswordPage(chrome, { token, email: address, notice: null, errors: r.errors }), r.headers);
    }
    kit.session.clear(reply);
    return kit.redirect(reply, '/login?notice=reset');
  });

  async function showVerify(request: FastifyRequest, reply: FastifyReply, status: number, v: Omit<VerifyView, 'signedIn' | 'verified'>, headers: Record<string, string> = {}) {
    const user = request.principal ? await users.getCached(request.principal.userId) : null;
    return kit.render(request, reply, status, (chrome) => verifyEmailPage(chrome, { ...v, signedIn: Boolean(user), verified: user?.emailVerified ?? false }), headers);
  }

  // the emailed link (GET /verify-email?token=) and, for a signed-in user, the code form
  app.get('/verify-email', { config: publicPage }, async function verifyEmailLink(request, reply) {
    const token = queryParam(request, 'token');
    if (token !== null) {
      const outcome = token.length <= 256 ? await email.verifyByLink(requestContext(request), token) : 'invalid';
      const { status, kind, title, message } = LINK_RESULTS[outcome];
      const t = kit.translator(request);
      return showVerify(request, reply, status, { result: { kind, title: t.t(title), message: t.t(message) }, notice: null, errors: NO_ERRORS });
    }
    const t = kit.translator(request);
    const notice = queryParam(request, 'registered') ? t.t('public.verify.registered') : queryParam(request, 'notice') === 'resent' ? t.t('public.verify.resent') : null;
    return showVerify(request, reply, 200, { result: null, notice, errors: NO_ERRORS });
  });

  app.post('/verify-email', { config: { page: true, auth: 'required' } }, async function verifyEmailCode(request, reply) {
    try {
      const { code } = checkBody<{ code: string }>(CodeBody, { code: formField(request, 'code').trim() });
      await email.verifyByCode(requestContext(request), principalOf(request), code);
    } catch (error) {
      const r = refusalOf(error, kit.translator(request), { invalid_code: 'code', code_expired: 'code' });
      return showVerify(request, reply, r.status, { result: null, notice: null, errors: r.errors }, r.headers);
    }
    return kit.redirect(reply, '/verify-email?verified=1');
  });

  app.post('/verify-email/resend', { config: { page: true, auth: 'required' } }, async function resendVerification(request, reply) {
    try {
      await email.requestVerification(requestContext(request), principalOf(request));
    } catch (error) {
      const r = refusalOf(error, kit.translator(request));
      return showVerify(request, reply, r.status, { result: null, notice: null, errors: r.errors }, r.headers);
    }
    return kit.redirect(reply, '/verify-email?notice=resent');
  });
};
