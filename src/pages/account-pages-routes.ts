/**
 * The /account sections for the password, the email address and deleting the account, with their
 * forms under /account/. Each form goes to the API's own service method — AuthService
 * .changePassword (POST /password), EmailService.requestEmailChange / confirmEmailChange (POST
 * /email/change, /email/change/confirm), AuthService.deleteAccount (DELETE /account) — checked
 * first against the API's body schema. A refusal comes back inside its section with the error's
 * status; a success answers 303 to `/account?notice=<key>#<section>` (Post/Redirect/Get), and a
 * deleted account to /account/deleted. A password change ends every session and returns a fresh
 * one: this browser's cookies are replaced with it, so it stays signed in while the other devices
 * are signed out.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ChangePasswordBody, DeleteAccountBody } from '../auth/auth-schemas.js';
import type { AuthService } from '../auth/auth-service.js';
import { CodeBody, EmailChangeBody } from '../email-ownership/email-schemas.js';
import type { EmailService } from '../email-ownership/email-service.js';
import { principalOf, requestContext } from '../http/route-guard.js';
import { checkBody } from '../http/validation.js';
import { accountNotice, type AccountPage, type AccountSection } from './account-page.js';
import { formChecked } from './console-kit.js';
import { refusalOf, requireFields } from './form-errors.js';
import { formField, type PageKit } from './page-kit.js';
import { accountDeletedPage, deleteSection, emailSection, passwordSection, type AccountFormState } from './views/account-views.js';

export interface AccountPagesOptions {
  kit: PageKit;
  auth: AuthService;
  email: EmailService;
  account: AccountPage;
}

const signedIn = { page: true, auth: 'required' } as const;

/** the three sections, in page order after the two-step section */
export function accountSections(): AccountSection[] {
  return [
    { id: 'password', notices: { password_changed: 'account.notice.passwordChanged' }, render: async (input, state) => passwordSection(input, state as AccountFormState | undefined) },
    {
      id: 'email',
      notices: { email_code_sent: 'account.notice.emailCodeSent', current_code_sent: 'account.notice.currentCodeSent', email_changed: 'account.notice.emailChanged' },
      render: async (input, state) => emailSection(input, state as AccountFormState | undefined),
    },
    { id: 'delete', render: async (input, state) => deleteSection(input, state as AccountFormState | undefined) },
  ];
}

export const accountPagesRoutes: FastifyPluginAsync<AccountPagesOptions> = async (app, { kit, auth, email, account }) => {
  function section(request: FastifyRequest, reply: FastifyReply, id: string, state: AccountFormState, status = 200, headers: Record<string, string> = {}) {
    return account.send(request, reply, { status, section: id, state, headers });
  }

  app.post('/account/password', { config: signedIn }, async function changePassword(request, reply) {
    const currentPassword = formField(request, 'current_password');
    const newPassword = formField(request, 'new_password');
    try {
      requireFields({ new_password: newPassword });
      checkBody(ChangePasswordBody, { ...(currentPassword ? { current_password: currentPassword } : {}), new_password: newPassword });
      const grant = await auth.changePassword(requestContext(request), principalOf(request), {
        ...(currentPassword ? { currentPassword } : {}),
        newPassword,
      });
      // this browser continues on the fresh session; every other one is signed out
      kit.session.open(reply, grant);
    } catch (error) {
      const r = refusalOf(error, kit.translator(request), { invalid_password: 'current_password', weak_password: 'new_password', forbidden: 'current_password' });
      return section(request, reply, 'password', { kind: 'error', errors: r.errors }, r.status, r.headers);
    }
    return kit.redirect(reply, accountNotice('password', 'password_changed'));
  });

  app.post('/account/email', { config: signedIn }, async function requestEmailChange(request, reply) {
    const newEmail = formField(request, 'new_email').trim();
    const password = formField(request, 'password');
    const currentEmailCode = formField(request, 'current_email_code').trim();
    try {
      requireFields({ new_email: newEmail });
      checkBody(EmailChangeBody, {
        new_email: newEmail,
        ...(password ? { password } : {}),
        ...(currentEmailCode ? { current_email_code: currentEmailCode } : {}),
      });
      await email.requestEmailChange(requestContext(request), principalOf(request), {
        newEmail,
        ...(password ? { password } : {}),
        ...(currentEmailCode ? { currentEmailCode } : {}),
      });
    } catch (error) {
      const r = refusalOf(error, kit.translator(request), { email_taken: 'new_email', invalid_password: 'password', invalid_code: 'current_email_code', code_expired: 'current_email_code' });
      return section(request, reply, 'email', { kind: 'error', errors: r.errors, values: { new_email: newEmail } }, r.status, r.headers);
    }
    return kit.redirect(reply, accountNotice('email', 'email_code_sent'));
  });

  app.post('/account/email/current-code', { config: signedIn }, async function sendCurrentEmailCode(request, reply) {
    try {
      await email.requestCurrentEmailCode(requestContext(request), principalOf(request));
    } catch (error) {
      const r = refusalOf(error, kit.translator(request));
      return section(request, reply, 'email', { kind: 'error', errors: r.errors }, r.status, r.headers);
    }
    return kit.redirect(reply, accountNotice('email', 'current_code_sent'));
  });

  app.post('/account/email/confirm', { config: signedIn }, async function confirmEmailChange(request, reply) {
    const code = formField(request, 'code').trim();
    try {
      requireFields({ code });
      checkBody(CodeBody, { code });
      await email.confirmEmailChange(requestContext(request), principalOf(request), code);
    } catch (error) {
      const r = refusalOf(error, kit.translator(request), { invalid_code: 'code', code_expired: 'code', email_taken: 'code' });
      // the code form again while the change is pending (a wrong code); else the first form
      if (r.code === 'invalid_code' || r.code === 'validation_error') {
        return section(request, reply, 'email', { kind: 'code-sent', errors: r.errors }, r.status, r.headers);
      }
      return section(request, reply, 'email', { kind: 'error', errors: r.errors }, r.status, r.headers);
    }
    return kit.redirect(reply, accountNotice('email', 'email_changed'));
  });

  app.post('/account/delete', { config: signedIn }, async function deleteAccount(request, reply) {
    const password = formField(request, 'password');
    const t = kit.translator(request);
    if (!formChecked(request, 'confirm')) {
      // the page's own rule (the API has no box to tick): said in the reader's words, next to the box
      const errors = { message: t.t('error.correctFields'), fields: { confirm: t.t('account.delete.mustConfirm') } };
      return section(request, reply, 'delete', { kind: 'error', errors }, 400);
    }
    try {
      checkBody(DeleteAccountBody, password ? { password } : {});
      await auth.deleteAccount(requestContext(request), principalOf(request), password || undefined);
    } catch (error) {
      const r = refusalOf(error, t, { invalid_password: 'password', forbidden: 'password' });
      return section(request, reply, 'delete', { kind: 'error', errors: r.errors }, r.status, r.headers);
    }
    kit.session.clear(reply);
    return kit.redirect(reply, '/account/deleted');
  });

  // where a deleted account lands: a page for anyone (the session is gone), saying what happened
  app.get('/account/deleted', { config: { page: true, auth: 'optional' } }, async function accountDeleted(request, reply) {
    return kit.render(request, reply, 200, (chrome) => accountDeletedPage(chrome));
  });
};
