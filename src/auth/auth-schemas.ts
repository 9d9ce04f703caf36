import { Type } from '@sinclair/typebox';
import { Nullable, Uuid } from '../http/schema-helpers.js';
import { EmailField, NameField, PasswordField, UserSchema, UsernameField } from '../users/users-schemas.js';

export const RegisterBody = Type.Object(
  {
    // required unless ACCOUNT_EMAIL=optional and a username is given (checked by the service)
    email: Type.Optional(EmailField),
    password: PasswordField,
    username: Type.Optional(Nullable(UsernameField)),
    name: Type.Optional(Nullable(NameField)),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    login: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'email or username' })),
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'alias of login' })),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const RefreshBody = Type.Union([
  // no length bound: a token of the wrong length is an invalid token (401), not invalid input
  Type.Object({ refresh_token: Type.Optional(Type.String()) }, { additionalProperties: false }),
  Type.Null(),
]);

export const TokenResponse = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer(),
    refresh_token: Type.String(),
    user: UserSchema,
  },
  {},
);

/** POST /login for a user with MFA (docs/security.md): the second step's token, and nothing else */
export const MfaRequiredResponse = Type.Object({
  mfa_required: Type.Literal(true),
  mfa_token: Type.String({ description: 'opaque, single use, 300 s; POST /login/mfa' }),
  methods: Type.Array(Type.Union([Type.Literal('totp'), Type.Literal('recovery_code'), Type.Literal('webauthn')])),
});

export const RegisteredPendingVerification = Type.Object({ user: UserSchema });



export const ChangePasswordBody = Type.Object(
  { current_password: Type.Optional(Type.String({ maxLength: 1024 })), new_password: PasswordField },
  { additionalProperties: false },
);

export const DeleteAccountBody = Type.Object({ password: Type.Optional(Type.String({ maxLength: 1024 })) }, { additionalProperties: false });

export const IntrospectBody = Type.Object({ token: Type.String({ maxLength: 8192 }), token_type_hint: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });

export const IntrospectResponse = Type.Object({
  active: Type.Boolean(),
  sub: Type.Optional(Uuid),
  sid: Type.Optional(Uuid),
  exp: Type.Optional(Type.Integer()),
  iat: Type.Optional(Type.Integer()),
  roles: Type.Optional(Type.Array(Type.String())),
  permissions: Type.Optional(Type.Array(Type.String(), { description: "the permissions of the user's current roles" })),
  token_type: Type.Optional(Type.Literal('access_token')),
});
