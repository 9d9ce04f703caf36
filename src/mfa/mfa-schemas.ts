import { Type } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from '../http/schema-helpers.js';
import type { PasskeyRecord } from './mfa-repository.js';

const Password = Type.String({ maxLength: 1024, description: 'the account password (omit for password-less accounts: then a session younger than 10 minutes is needed)' });

/** the calls that take only a re-authentication; no body at all is fine for password-less accounts */
export const ReauthBody = Type.Union([Type.Object({ password: Type.Optional(Password) }, { additionalProperties: false }), Type.Null()]);

const Code = Type.String({ minLength: 1, maxLength: 32, description: '6-digit TOTP code' });
const RecoveryCode = Type.String({ minLength: 1, maxLength: 32, description: 'recovery code, `xxxxx-xxxxx` (the dash is optional)' });
const Base64Url = Type.String({ maxLength: 16384, pattern: '^[A-Za-z0-9_-]*={0,2}$' });

/**
 * WebAuthn's JSON forms (what `PublicKeyCredential.toJSON()` or @simplewebauthn/browser make).
 * Gatehouse's own fields are strict; inside the browser's objects, members a newer browser adds
 * (e.g. `publicKey`, `publicKeyAlgorithm`) are let through, since this format is the browser's.
 */
const CredentialFields = {
  id: Base64Url,
  rawId: Base64Url,
  type: Type.Literal('public-key'),
  authenticatorAttachment: Type.Optional(Type.String({ maxLength: 64 })),
  clientExtensionResults: Type.Optional(Type.Object({}, { additionalProperties: true })),
};

export const RegistrationResponse = Type.Object(
  {
    ...CredentialFields,
    response: Type.Object(
      { clientDataJSON: Base64Url, attestationObject: Base64Url, transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 })) },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true, description: "the browser's registration response (JSON form)" },
);

export const AuthenticationResponse = Type.Object(
  {
    ...CredentialFields,
    response: Type.Object(
      { clientDataJSON: Base64Url, authenticatorData: Base64Url, signature: Base64Url, userHandle: Type.Optional(Nullable(Base64Url)) },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true, description: "the browser's authentication response (JSON form)" },
);

/** WebAuthn options as @simplewebauthn/server makes them, for `navigator.credentials.create/get` (JSON form) */
const WebAuthnOptions = (description: string) => Type.Object({ challenge: Type.String() }, { additionalProperties: true, description });
export const CreationOptions = WebAuthnOptions('PublicKeyCredentialCreationOptions, JSON form (PublicKeyCredential.parseCreationOptionsFromJSON)');
export const RequestOptions = WebAuthnOptions('PublicKeyCredentialRequestOptions, JSON form (PublicKeyCredential.parseRequestOptionsFromJSON)');

export const PasskeySchema = Type.Object({ id: Uuid, name: Type.String(), created_at: Timestamp, last_used_at: Nullable(Timestamp) });

export function toPasskeyView(p: PasskeyRecord) {
  return { id: p.id, name: p.name, created_at: p.createdAt.toISOString(), last_used_at: p.lastUsedAt?.toISOString() ?? null };
}

export const MfaOverviewResponse = Type.Object({
  totp: Type.Boolean(),
  recovery_codes_left: Type.Integer(),
  passkeys: Type.Array(PasskeySchema),
});

export const TotpSetupResponse = Type.Object({
  secret: Type.String({ description: 'base32' }),
  otpauth_uri: Type.String({ description: 'otpauth://totp/<issuer>:<account>?secret=…&issuer=<issuer>' }),
});

export const TotpConfirmBody = Type.Object({ code: Code }, { additionalProperties: false });

export const DisableTotpBody = Type.Object({ password: Type.Optional(Password), code: Type.String({ minLength: 1, maxLength: 32, description: 'a TOTP code or a recovery code' }) }, { additionalProperties: false });

export const RecoveryCodesResponse = Type.Object({ recovery_codes: Type.Array(Type.String(), { description: 'shown once' }) });

export const AddPasskeyBody = Type.Object({ name: Type.Optional(Nullable(Type.String({ maxLength: 64 }))), response: RegistrationResponse }, { additionalProperties: false });

export const AddedPasskeyResponse = Type.Object({
  id: Uuid,
  name: Type.String(),
  created_at: Timestamp,
  recovery_codes: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'a fresh set when this passkey turned MFA on, else null' }),
});

const MfaToken = Type.String({ minLength: 1, maxLength: 128, description: 'from POST /login' });

export const SecondStepBody = Type.Object(
  { mfa_token: MfaToken, code: Type.Optional(Code), recovery_code: Type.Optional(RecoveryCode), webauthn: Type.Optional(AuthenticationResponse) },
  { additionalProperties: false, description: 'mfa_token and exactly one of code, recovery_code, webauthn' },
);

export const SecondStepOptionsBody = Type.Object({ mfa_token: MfaToken }, { additionalProperties: false });

export const PasskeyLoginOptionsResponse = Type.Object({ challenge_id: Uuid, options: RequestOptions });

export const PasskeyLoginBody = Type.Object({ challenge_id: Type.String({ maxLength: 64 }), response: AuthenticationResponse }, { additionalProperties: false });

/** the one `{id}` path parameter (a UUID) every route shares */
export { IdParams as PasskeyIdParams } from '../http/schema-helpers.js';
