/**
 * /api/v1/auth/mfa (docs/security.md): the signed-in user's second factors — TOTP, recovery codes,
 * passkeys. Re-authentication, the rules and the audit trail are the service's.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { principalOf, requestContext } from '../http/route-guard.js';
import { errorResponses } from '../http/schema-helpers.js';
import {
  AddedPasskeyResponse,
  AddPasskeyBody,
  CreationOptions,
  DisableTotpBody,
  MfaOverviewResponse,
  PasskeyIdParams,
  ReauthBody,
  RecoveryCodesResponse,
  toPasskeyView,
  TotpConfirmBody,
  TotpSetupResponse,
} from './mfa-schemas.js';
import type { MfaService } from './mfa-service.js';
import type { RegistrationResponseJSON } from './webauthn.js';

const tags = ['mfa'];
const security = [{ bearer: [] }];
const signedIn = { auth: 'required' } as const;
const reauth = 'Needs `password`, or for a password-less account a session younger than 10 minutes.';

export const mfaRoutes: FastifyPluginAsyncTypebox<{ mfa: MfaService }> = async (app, { mfa }) => {
  app.get('/mfa', {
    config: signedIn,
    schema: { tags, summary: 'Your second factors', security, response: { 200: MfaOverviewResponse, ...errorResponses(401) } },
  }, async function overview(request) {
    const o = await mfa.overview(principalOf(request).userId);
    return { totp: o.totp, recovery_codes_left: o.recoveryCodesLeft, passkeys: o.passkeys.map(toPasskeyView) };
  });

  app.post('/mfa/totp/setup', {
    config: signedIn,
    schema: {
      tags,
      summary: 'Start TOTP set-up: a new secret, on once a code confirms it',
      description: reauth,
      security,
      body: ReauthBody,
      response: { 200: TotpSetupResponse, ...errorResponses(400, 401, 403, 423) },
    },
  }, async function setupTotp(request) {
    const { secret, otpauthUri } = await mfa.setupTotp(requestContext(request), principalOf(request), request.body?.password);
    return { secret, otpauth_uri: otpauthUri };
  });

  app.post('/mfa/totp/confirm', {
    config: signedIn,
    schema: {
      tags,
      summary: 'Turn TOTP on with a code from the app; answers a fresh set of recovery codes',
      security,
      body: TotpConfirmBody,
      response: { 200: RecoveryCodesResponse, ...errorResponses(400, 401, 429) },
    },
  }, async function confirmTotp(request) {
    return { recovery_codes: await mfa.confirmTotp(requestContext(request), principalOf(request), request.body.code) };
  });

  app.delete('/mfa/totp', {
    config: signedIn,
    schema: {
      tags,
      summary: 'Turn TOTP off with a current TOTP code or a recovery code',
      description: reauth,
      security,
      body: DisableTotpBody,
      response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 409, 423, 429) },
    },
  }, async function disableTotp(request, reply) {
    await mfa.disableTotp(requestContext(request), principalOf(request), request.body);
    return reply.status(204).send();
  });

  app.post('/mfa/recovery-codes', {
    config: signedIn,
    schema: {
      tags,
      summary: 'A fresh set of recovery codes (the old set is void)',
      description: reauth,
      security,
      body: ReauthBody,
      response: { 200: RecoveryCodesResponse, ...errorResponses(400, 401, 403, 409, 423) },
    },
  }, async function regenerateRecoveryCodes(request) {
    return { recovery_codes: await mfa.regenerateRecoveryCodes(requestContext(request), principalOf(request), request.body?.password) };
  });

  app.post('/mfa/passkeys/options', {
    config: signedIn,
    schema: {
      tags,
      summary: 'WebAuthn creation options for a new passkey',
      description: reauth,
      security,
      body: ReauthBody,
      response: { 200: CreationOptions, ...errorResponses(400, 401, 403, 423) },
    },
  }, async function passkeyOptions(request) {
    return mfa.passkeyRegistrationOptions(requestContext(request), principalOf(request), request.body?.password);
  });

  app.post('/mfa/passkeys', {
    config: signedIn,
    schema: {
      tags,
      summary: "Register a passkey from the browser's registration response",
      security,
      body: AddPasskeyBody,
      response: { 201: AddedPasskeyResponse, ...errorResponses(400, 401) },
    },
  }, async function addPasskey(request, reply) {
    const { passkey, recoveryCodes } = await mfa.addPasskey(requestContext(request), principalOf(request), {
      name: request.body.name ?? null,
      response: request.body.response as unknown as RegistrationResponseJSON,
    });
    return reply.status(201).send({ id: passkey.id, name: passkey.name, created_at: passkey.createdAt.toISOString(), recovery_codes: recoveryCodes });
  });

  app.delete('/mfa/passkeys/:id', {
    config: signedIn,
    schema: {
      tags,
      summary: 'Remove one of your passkeys',
      description: reauth,
      security,
      params: PasskeyIdParams,
      body: ReauthBody,
      response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404, 423) },
    },
  }, async function removePasskey(request, reply) {
    await mfa.removePasskey(requestContext(request), principalOf(request), request.params.id, request.body?.password);
    return reply.status(204).send();
  });
};
