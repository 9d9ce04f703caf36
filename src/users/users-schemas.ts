import { Type, type Static } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from '../http/schema-helpers.js';
import type { UserRecord } from './users-repository.js';

export const UserSchema = Type.Object(
  {
    id: Uuid,
    email: Nullable(Type.String()),
    username: Nullable(Type.String()),
    name: Nullable(Type.String()),
    avatar_url: Nullable(Type.String()),
    roles: Type.Array(Type.String()),
    email_verified: Type.Boolean(),
    has_password: Type.Boolean(),
    disabled: Type.Boolean(),
    mfa: Type.Boolean({ description: 'a second sign-in step is on (TOTP or a passkey)' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  {},
);

export type UserView = Static<typeof UserSchema>;

/** the public shape of a user: a whitelist, so the password hash can never leak */
export function toUserView(u: UserRecord): UserView {
  return {
    id: u.id,
    email: u.email,
    username: u.username,
    name: u.name,
    avatar_url: u.avatarUrl,
    roles: u.roles,
    email_verified: u.emailVerified,
    has_password: u.passwordHash !== null,
    disabled: u.disabled,
    mfa: u.mfaEnabled,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}

export const NameField = Type.String({ minLength: 1, maxLength: 100 });
export const UsernameField = Type.String({ minLength: 3, maxLength: 32, description: '3–32 of a-z 0-9 _ . - (lower-cased)' });
export const EmailField = Type.String({ minLength: 3, maxLength: 254, description: 'one plain address (local@domain: no display name, list, quotes, spaces or angle brackets); trimmed, lower-cased and NFC-normalised' });
// no length bounds in the schema: docs/api.md answers a password shorter than 8 or longer than 128
// code points with 422 weak_password (the policy's check); BODY_LIMIT_BYTES bounds the input
export const PasswordField = Type.String({ description: '8–128 characters after NFC normalisation' });
export const AvatarUrlField = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 });

/** GET /me: the user object and the permissions of their current roles (docs/api.md) */
export const MeResponse = Type.Composite([UserSchema, Type.Object({ permissions: Type.Array(Type.String()) })]);

export const PatchMeBody = Type.Object(
  { name: Type.Optional(Nullable(NameField)), username: Type.Optional(Nullable(UsernameField)), avatar_url: Type.Optional(Nullable(AvatarUrlField)) },
  { additionalProperties: false },
);
