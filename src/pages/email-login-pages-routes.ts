/**
 * Sign-in by emailed code or link on the pages (404 unless EMAIL_LOGIN=on): /login's
 * small form asks for a code (POST /login/email/request, the API's own service method, which
 * redirects to GET /login/email?email=…&notice=sent), that page takes it (POST
 * /login/email/code), and the emailed link opens GET /login/email?token=, which only shows a button — a mail scanner that follows links spends nothing — whose form
 * (POST /login/email) signs in. Signed in, the browser gets a page session as after a password,
 * or goes to the second-step page when the user has MFA. Every form works without JavaScript.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isSecondStep, type SecondStepRequired, type TokenGrant } from '../auth/auth-service.js';
import { EmailLoginBody, EmailLoginRequestBody } from '../email-login/email-login-schemas.js';
import { LinkRefused, type EmailLoginService, type LinkState } from '../email-login/email-login-service.js';
import { commonErrors } from '../errors.js';
import { requestContext } from '../http/route-guard.js';
import { checkBody } from '../http/validation.js';
import type { MessageKey } from '../i18n/translator.js';
import { NO_ERRORS, refusalOf } from './form-errors.js';
import { formField, queryParam, type PageKit } from './page-kit.js';
import { emailLoginCodePage, emailLoginLinkPage, emailLoginRequestPage } from './views/email-login-views.js';

export interface EmailLoginPagesOptions {
  kit: PageKit;
  emailLogin: EmailLoginService;
}

const publicPage = { page: true, auth: 'optional' } as const;

/** why an emailed link does not sign in: catalogue keys of its page's title and message */
const LINK_REFUSALS: Record<Exclude<LinkState, 'valid'>, { title: MessageKey; message: MessageKey }> = {
  expired: { title: 'emailLogin.link.expired.title', message: 'emailLogin.link.expired.message' },
  invalid: { title: 'emailLogin.link.invalid.title', message: 'emailLogin.link.invalid.message' },
};

export const emailLoginPagesRoutes: FastifyPluginAsync<EmailLoginPagesOptions> = async (app, { kit, emailLogin }) => {
  // off (EMAIL_LOGIN=off): 404 before anything else — a form post to them included, whose body and
  // CSRF token are then not even looked at
  app.addHook('onRequest', async function refuseWhenOff() {
    if (!emailLogin.enabled) throw commonErrors.notFound();
  });

  /** signed in: the page session, or the second step's cookie and page */
  function signedIn(reply: FastifyReply, outcome: TokenGrant | SecondStepRequired) {
    if (isSecondStep(outcome)) {
      kit.session.beginSecondStep(reply, outcome.mfaToken);
      return kit.redirect(reply, '/login/mfa');
    }
    kit.session.open(reply, outcome);
    return kit.redirect(reply, '/dashboard');
  }

  function showLink(request: FastifyRequest, reply: FastifyReply, state: LinkState, token: string | null) {
    const keys = state === 'valid' ? null : LINK_REFUSALS[state];
    const t = kit.translator(request);
    const refusal = keys && { title: t.t(keys.title), message: t.t(keys.message) };
    return kit.render(request, reply, refusal ? 400 : 200, (chrome) => emailLoginLinkPage(chrome, { token, refusal }));
  }

  // the emailed link (with ?token=); with ?email= (where asking for a code redirects) the form
  // that takes the code; else the form that asks for one
  app.get('/login/email', { config: publicPage }, async function emailLoginLink(request, reply) {
    const token = queryParam(request, 'token');
    if (token === null) {
      const email = (queryParam(request, 'email') ?? '').trim().slice(0, 320);
      if (!email) return kit.render(request, reply, 200, (chrome) => emailLoginRequestPage(chrome, { email: '', errors: NO_ERRORS }));
      const sent = queryParam(request, 'notice') === 'sent';
      return kit.render(request, reply, 200, (chrome) => emailLoginCodePage(chrome, { email, notice: sent ? chrome.t.t('emailLogin.sent') : null, errors: NO_ERRORS }));
    }
    // looked at, not spent: only the button signs in
    const state = token.length <= 256 ? await emailLogin.linkState(token) : 'invalid';
    return showLink(request, reply, state, token);
  });

  app.post('/login/email', { config: publicPage }, async function emailLoginByLink(request, reply) {
    const token = formField(request, 'token');
    try {
      return signedIn(reply, await emailLogin.signInWithLink(requestContext(request), token.slice(0, 256)));
    } catch (error) {
      if (error instanceof LinkRefused) return showLink(request, reply, error.state, null);
      const r = refusalOf(error, kit.translator(request));
      return kit.render(request, reply, r.status, (chrome) => emailLoginLinkPage(chrome, { token: null, refusal: { title: chrome.t.t('emailLogin.link.notSignedIn'), message: r.text } }), r.headers);
    }
  });

  app.post('/login/email/request', { config: publicPage }, async function requestEmailCode(request, reply) {
    const email = formField(request, 'email').trim();
    try {
      checkBody(EmailLoginRequestBody, { email });
      await emailLogin.request(requestContext(request), email);
    } catch (error) {
      const r = refusalOf(error, kit.translator(request));
      return kit.render(request, reply, r.status, (chrome) => emailLoginRequestPage(chrome, { email, errors: r.errors }), r.headers);
    }
    // the same answer whether or not the address may sign in this way (no enumeration), as a
    // redirect to the page that takes the code (post/redirect/get)
    return kit.redirect(reply, `/login/email?email=${encodeURIComponent(email)}&notice=sent`);
  });

  app.post('/login/email/code', { config: publicPage }, async function emailLoginByCode(request, reply) {
    const email = formField(request, 'email').trim();
    try {
      const input = checkBody<{ email: string; code: string }>(EmailLoginBody, { email, code: formField(request, 'code').trim() });
      return signedIn(reply, await emailLogin.signInWithCode(requestContext(request), input));
    } catch (error) {
      const r = refusalOf(error, kit.translator(request), { invalid_code: 'code', code_expired: 'code', too_many_attempts: 'code' });
      return kit.render(request, reply, r.status, (chrome) => emailLoginCodePage(chrome, { email, notice: null, errors: r.errors }), r.headers);
    }
  });
};
