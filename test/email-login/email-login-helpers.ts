import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { withMail } from '../email-ownership/email-helpers.js';
import { bearer, register, type TestUser } from '../helpers/factories.js';
import type { TestOptions } from '../helpers/build-test-app.js';
import { codeIn, linkTokenIn, type SmtpSink } from '../helpers/smtp-sink.js';

export type MailEnv = Awaited<ReturnType<typeof withMail>>;

export const SIGN_IN_SUBJECT = /Your sign-in code/;

/** a test app with EMAIL_LOGIN=on (its request limits off unless `env` sets them) and a real SMTP sink */
export function withEmailLogin(options: TestOptions = {}): Promise<MailEnv> {
  return withMail({ ...options, env: { EMAIL_LOGIN: 'on', RATE_LIMIT_EMAIL_LOGIN_IP: 'off', RATE_LIMIT_EMAIL_LOGIN_ID: 'off', ...(options.env ?? {}) } });
}

/** a registered user whose address is verified through the emailed verification code */
export async function verifiedUser(env: MailEnv): Promise<TestUser> {
  const u = await register(env.t.app);
  const code = codeIn(await env.smtp.waitFor(u.email, /Verify/));
  const res = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify', headers: bearer(u.accessToken), payload: { code } });
  assert.equal(res.statusCode, 200, res.body);
  return u;
}

export function requestCode(app: FastifyInstance, email: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/api/v1/auth/email-login/request', headers, payload: { email } });
}

export function signInWithCode(app: FastifyInstance, email: string, code: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/api/v1/auth/email-login', headers, payload: { email, code } });
}

/** the `n`-th sign-in mail to `email`: its code and link token (`subject`: a German reader's is German) */
export async function signInMail(smtp: SmtpSink, email: string, n = 1, subject: RegExp = SIGN_IN_SUBJECT): Promise<{ code: string; token: string }> {
  const mail = await smtp.waitFor(email, subject, 5000, n);
  return { code: codeIn(mail), token: linkTokenIn(mail) };
}

/** requests a code for `email` and reads the `n`-th sign-in mail */
export async function requestAndRead(env: MailEnv, email: string, n = 1): Promise<{ code: string; token: string }> {
  const res = await requestCode(env.t.app, email);
  assert.equal(res.statusCode, 202, res.body);
  return signInMail(env.smtp, email, n);
}

/** a code other than `code` */
export function wrongCode(code: string): string {
  return code === '99999999' ? '88888888' : '99999999';
}
