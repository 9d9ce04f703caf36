import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../http/schema-helpers.js';
import { EmailField, NameField, UsernameField } from '../users/users-schemas.js';

/** one line of a `gatehouse users import` file (JSON lines; unknown fields are refused) */
export const ImportLine = Type.Object(
  {
    email: EmailField,
    username: Type.Optional(Nullable(UsernameField)),
    name: Type.Optional(Nullable(NameField)),
    email_verified: Type.Optional(Type.Boolean()),
    password_hash: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 1024, description: 'bcrypt ($2a$/$2b$/$2y$) or argon2 (PHC string)' }))),
    roles: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 })),
    identities: Type.Optional(
      Type.Array(
        Type.Object({ provider: Type.String({ minLength: 1, maxLength: 100 }), subject: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false }),
        { maxItems: 100 },
      ),
    ),
  },
  { additionalProperties: false },
);

export type ImportLineValue = Static<typeof ImportLine>;
