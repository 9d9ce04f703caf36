/**
 * The multi-factor pages (docs/security.md): the second sign-in step at /login/mfa — after a correct
 * password here, or a social sign-in (the OAuth callback leaves the same `gatehouse_mfa` cookie)
 * — and the account page's two-step section with its forms under /account/. Every call goes to
 * MfaService, the API's own; the two `…/options` routes answer JSON to the WebAuthn script.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import type { AuthService } from '../auth/auth-service.js';
import { DomainError } from '../errors.js';
import { principalOf, requestContext } from '../http/route-guard.js';
import { checkBody } from '../http/validation.js';
import type { MessageKey } from '../i18n/translator.js';
import { AddPasskeyBody, DisableTotpBody, SecondStepBody, TotpConfirmBody } from '../mfa/mfa-schemas.js';
import type { MfaService, SecondStepInput } from '../mfa/mfa-service.js';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '../mfa/webauthn.js';
import { SignInRefused } from '../sign-in/sign-in-service.js';
import { accountNotice, type AccountPage, type AccountSection } from './account-page.js';
import { isUuid } from './console-kit.js';
import { NO_ERRORS, refusalOf, requireFields } from './form-errors.js';
import { formField, queryParam, type PageKit } from './page-kit.js';
import { mfaSection, secondStepPage, type MfaSectionState } from './views/mfa-views.js';

export interface MfaPagesOptions {
  kit: PageKit;
  auth: AuthService;
  mfa: MfaService;
  account: AccountPage;
}

const signedIn = { page: true, auth: 'required' } as const;
const MFA_SECTION = 'mfa';

/**
 * what the section's forms that show no secret say after their redirect (`/account?notice=<key>#mfa`);
 * the forms that show a secret once (the TOTP set-up, recovery codes) answer with the page itself
 * (docs/architecture.md)
 */
const MFA_NOTICES = {
  totp_off: 'mfa.account.totpOffDone',
  passkey_added: 'mfa.account.passkeyAdded',
  passkey_removed: 'mfa.account.passkeyRemoved',
} as const satisfies Record<string, MessageKey>;

/** the account page's two-step section */
export function mfaAccountSection(mfa: MfaService): AccountSection {
  return {
    id: MFA_SECTION,
    notices: MFA_NOTICES,
    async render({ user, csrf, t, notice }, state) {
      const shown = (state as MfaSectionState | undefined) ?? (notice ? { kind: 'done', message: notice.text } : undefined);
      return mfaSection({ csrf, t, hasPassword: user.passwordHash !== null, overview: await mfa.overview(user.id), state: shown });
    },
  };
}

/** the otpauth URI as a QR code, rendered here (SVG, as a data: URL the CSP allows) */
async function qrCode(otpauthUri: string): Promise<string> {
  const svg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

function optionalPassword(request: FastifyRequest): string | undefined {
  return formField(request, 'password') || undefined;
}

function parseJson<T>(text: string, field: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new DomainError('validation_error', 'Validation failed', { detail: 'The browser response could not be read.', errors: [{ field, message: 'is not valid JSON' }] });
  }
}

export const mfaPagesRoutes: FastifyPluginAsync<MfaPagesOptions> = async (app, { kit, mfa, account }) => {
  const { session } = kit;

  function restart(reply: FastifyReply, next: string | null, why: 'second_step_expired' | 'second_step_locked' = 'second_step_expired') {
    session.clearSecondStep(reply);
    return kit.redirect(reply, `/login?error=${why}${next ? `&next=${encodeURIComponent(next)}` : ''}`);
  }

  app.get('/login/mfa', { config: { page: true, auth: 'optional' } }, async function secondStepForm(request, reply) {
    const next = session.next(queryParam(request, 'next'));
    const token = session.secondStep(request);
    if (!token) return kit.redirect(reply, `/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
    let methods: string[];
    try {
      methods = await mfa.methodsForSecondStep(token);
    } catch (error) {
      if (error instanceof DomainError && error.status < 500) return restart(reply, next);
      throw error;
    }
    return kit.render(request, reply, 200, (chrome) => secondStepPage(chrome, { methods, next, errors: NO_ERRORS, failed: null }));
  });

  app.post('/login/mfa', { config: { page: true, auth: 'optional' } }, async function secondStep(request, reply) {
    const next = session.next(formField(request, 'next'));
    const token = session.secondStep(request);
    if (!token) return restart(reply, next);
    const code = formField(request, 'code').trim();
    const recoveryCode = formField(request, 'recovery_code').trim();
    const webauthn = formField(request, 'webauthn');
    const failed = webauthn ? 'webauthn' : recoveryCode ? 'recovery_code' : 'code';
    try {
      const body = checkBody<{ mfa_token: string; code?: string; recovery_code?: string; webauthn?: unknown }>(SecondStepBody, {
        mfa_token: token,
        ...(webauthn ? { webauthn: parseJson(webauthn, 'webauthn') } : recoveryCode ? { recovery_code: recoveryCode } : { code }),
      });
      const input: SecondStepInput = { mfaToken: token };
      if (body.webauthn !== undefined) input.webauthn = body.webauthn as AuthenticationResponseJSON;
      else if (body.recovery_code !== undefined) input.recoveryCode = body.recovery_code;
      else input.code = body.code ?? '';
      if (!body.webauthn && !body.recovery_code) requireFields({ code: input.code ?? '' });
      const grant = await mfa.completeSignIn(requestContext(request), input);
      session.clearSecondStep(reply);
      session.open(reply, grant);
      return kit.redirect(reply, session.target(next));
    } catch (error) {
      const r = refusalOf(error, kit.translator(request), { invalid_code: failed, code: 'code', recovery_code: 'recovery_code', webauthn: 'webauthn' });
      // the account's second step is locked (20 wrong codes a day): the sign-in page says so
      if (error instanceof SignInRefused && error.reason === 'mfa_locked') return restart(reply, next, 'second_step_locked');
      // spent, expired or void after too many codes: the sign-in starts again
      if (r.status === 401 || r.code === 'too_many_attempts') return restart(reply, next);
      // the token may have just become void (its fifth wrong code): then the sign-in starts again
      const methods = await mfa.methodsForSecondStep(token).catch(() => null);
      if (!methods) return restart(reply, next);
      return kit.render(request, reply, r.status, (chrome) => secondStepPage(chrome, { methods, next, errors: { message: r.errors.message ?? r.errors.fields[failed] ?? null, fields: r.errors.fields }, failed }), r.headers);
    }
  });

  // JSON for the WebAuthn script: request options for the signing-in user's passkeys
  app.post('/login/mfa/options', { config: { page: true, auth: 'optional' } }, async function secondStepOptions(request) {
    const token = session.secondStep(request);
    if (!token) throw new DomainError('unauthorized', 'Unauthorized', { detail: 'The sign-in has expired: start again.' });
    return mfa.secondStepOptions(token);
  });

  async function showSection(request: FastifyRequest, reply: FastifyReply, state: MfaSectionState, status = 200, headers: Record<string, string> = {}) {
    return account.send(request, reply, { status, section: MFA_SECTION, state, headers });
  }

  /** a refused form of the section, shown next to that form */
  async function refused(request: FastifyRequest, reply: FastifyReply, error: unknown, form: Extract<MfaSectionState, { kind: 'error' }>['form']) {
    const r = refusalOf(error, kit.translator(request));
    return showSection(request, reply, { kind: 'error', form, message: r.text }, r.status, r.headers);
  }

  app.post('/account/totp/setup', { config: signedIn }, async function setupTotp(request, reply) {
    try {
      const { secret, otpauthUri } = await mfa.setupTotp(requestContext(request), principalOf(request), optionalPassword(request));
      return showSection(request, reply, { kind: 'setup', secret, otpauthUri, qr: await qrCode(otpauthUri) });
    } catch (error) {
      return refused(request, reply, error, 'totp-setup');
    }
  });

  app.post('/account/totp/confirm', { config: signedIn }, async function confirmTotp(request, reply) {
    const code = formField(request, 'code').trim();
    try {
      checkBody(TotpConfirmBody, { code });
      const codes = await mfa.confirmTotp(requestContext(request), principalOf(request), code);
      return showSection(request, reply, { kind: 'codes', codes, message: kit.translator(request).t('mfa.account.totpOnDone') });
    } catch (error) {
      const r = refusalOf(error, kit.translator(request));
      // the pending set-up is still there: show it again (secret and URI came back with the form,
      // for display only; the code is checked against the stored secret)
      const secret = formField(request, 'secret');
      const otpauthUri = formField(request, 'otpauth_uri');
      if (!/^[A-Z2-7]{16,128}$/.test(secret) || !otpauthUri.startsWith('otpauth://totp/') || otpauthUri.length > 1024) return refused(request, reply, error, 'totp-setup');
      return showSection(request, reply, { kind: 'setup', secret, otpauthUri, qr: await qrCode(otpauthUri), error: r.text }, r.status, r.headers);
    }
  });

  app.post('/account/totp/disable', { config: signedIn }, async function disableTotp(request, reply) {
    try {
      const password = optionalPassword(request);
      const body = checkBody<{ password?: string; code: string }>(DisableTotpBody, { ...(password ? { password } : {}), code: formField(request, 'code').trim() });
      await mfa.disableTotp(requestContext(request), principalOf(request), body);
      return kit.redirect(reply, accountNotice(MFA_SECTION, 'totp_off'));
    } catch (error) {
      return refused(request, reply, error, 'totp-disable');
    }
  });

  app.post('/account/recovery-codes', { config: signedIn }, async function regenerateCodes(request, reply) {
    try {
      const codes = await mfa.regenerateRecoveryCodes(requestContext(request), principalOf(request), optionalPassword(request));
      return showSection(request, reply, { kind: 'codes', codes, message: kit.translator(request).t('mfa.account.codesReady') });
    } catch (error) {
      return refused(request, reply, error, 'codes');
    }
  });

  // JSON for the WebAuthn script: creation options, after re-authentication
  app.post('/account/passkeys/options', { config: signedIn }, async function passkeyOptions(request) {
    return mfa.passkeyRegistrationOptions(requestContext(request), principalOf(request), optionalPassword(request));
  });

  app.post('/account/passkeys', { config: signedIn }, async function addPasskey(request, reply) {
    try {
      const name = formField(request, 'name').trim();
      const body = checkBody<{ name?: string; response: unknown }>(AddPasskeyBody, { ...(name ? { name } : {}), response: parseJson(formField(request, 'response'), 'response') });
      const { passkey, recoveryCodes } = await mfa.addPasskey(requestContext(request), principalOf(request), { name: body.name ?? null, response: body.response as RegistrationResponseJSON });
      if (recoveryCodes) return showSection(request, reply, { kind: 'codes', codes: recoveryCodes, message: kit.translator(request).t('mfa.account.passkeyAddedFirst', { name: passkey.name }) });
      return kit.redirect(reply, accountNotice(MFA_SECTION, 'passkey_added'));
    } catch (error) {
      return refused(request, reply, error, 'passkey-add');
    }
  });

  app.post<{ Params: { id: string } }>('/account/passkeys/:id/delete', { config: signedIn }, async function removePasskey(request, reply) {
    const { id } = request.params;
    try {
      if (!isUuid(id)) throw new DomainError('not_found', 'Not Found', { detail: 'No such passkey.' });
      await mfa.removePasskey(requestContext(request), principalOf(request), id, optionalPassword(request));
      return kit.redirect(reply, accountNotice(MFA_SECTION, 'passkey_removed'));
    } catch (error) {
      return refused(request, reply, error, `passkey-remove:${id}`);
    }
  });
};
