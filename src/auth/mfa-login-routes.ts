/**
 * The sign-in side of docs/security.md under /api/v1/auth: the second step after a password
 * (`/login/mfa`, `/login/mfa/options`) and the passwordless passkey sign-in (`/login/passkey…`).
 * Success answers the ordinary token response with its refresh cookie.
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requestContext } from '../http/route-guard.js';
import { TokenResponse } from './auth-schemas.js';
import type { RefreshCookie } from './refresh-cookie.js';
import { sendGrant } from './token-response.js';
import { errorResponses } from '../http/schema-helpers.js';
import { PasskeyLoginBody, PasskeyLoginOptionsResponse, RequestOptions, SecondStepBody, SecondStepOptionsBody } from '../mfa/mfa-schemas.js';
import type { MfaService } from '../mfa/mfa-service.js';
import type { AuthenticationResponseJSON } from '../mfa/webauthn.js';

const tags = ['auth'];

export interface MfaLoginRoutesOptions {
  mfa: MfaService;
  cookie: RefreshCookie;
}

export const mfaLoginRoutes: FastifyPluginAsyncTypebox<MfaLoginRoutesOptions> = async (app, { mfa, cookie }) => {
  await app.register(fastifyCookie);

  app.post('/login/mfa', {
    schema: {
      tags,
      summary: 'Finish a sign-in with a second factor: a TOTP code, a recovery code or a passkey',
      description: '`mfa_token` from POST /login and exactly one of `code`, `recovery_code`, `webauthn`. A wrong code answers 400 invalid_code; after 5 the token is void (429 too_many_attempts); an unknown, spent or expired token 401.',
      body: SecondStepBody,
      response: { 200: TokenResponse, ...errorResponses(400, 401, 403, 429) },
    },
  }, async function secondStep(request, reply) {
    const { mfa_token, code, recovery_code, webauthn } = request.body;
    const grant = await mfa.completeSignIn(requestContext(request), {
      mfaToken: mfa_token,
      ...(code !== undefined ? { code } : {}),
      ...(recovery_code !== undefined ? { recoveryCode: recovery_code } : {}),
      ...(webauthn !== undefined ? { webauthn: webauthn as unknown as AuthenticationResponseJSON } : {}),
    });
    return sendGrant(reply, cookie, grant);
  });

  app.post('/login/mfa/options', {
    schema: {
      tags,
      summary: "WebAuthn request options for the signing-in user's passkeys (second step)",
      body: SecondStepOptionsBody,
      response: { 200: RequestOptions, ...errorResponses(400, 401, 429) },
    },
  }, async function secondStepOptions(request) {
    return mfa.secondStepOptions(request.body.mfa_token);
  });

  app.post('/login/passkey/options', {
    schema: {
      tags,
      summary: 'Start a passwordless sign-in: request options for a discoverable passkey',
      response: { 200: PasskeyLoginOptionsResponse, ...errorResponses(429) },
    },
  }, async function passkeyOptions() {
    const { challengeId, options } = await mfa.passwordlessOptions();
    return { challenge_id: challengeId, options };
  });

  app.post('/login/passkey', {
    schema: {
      tags,
      summary: 'Sign in with a passkey alone (user verification required)',
      body: PasskeyLoginBody,
      response: { 200: TokenResponse, ...errorResponses(400, 401, 403, 429) },
    },
  }, async function passkeyLogin(request, reply) {
    const grant = await mfa.signInWithPasskey(requestContext(request), request.body.challenge_id, request.body.response as unknown as AuthenticationResponseJSON);
    return sendGrant(reply, cookie, grant);
  });
};
