import { Type } from '@sinclair/typebox';
import { EmailField, PasswordField } from '../users/users-schemas.js';

/** 8 digits as emailed; spaces and dashes are forgiven, anything else is a wrong code (a try) */
export const CodeField = Type.String({ minLength: 1, maxLength: 32, description: 'the 8-digit code from the email' });

export const CodeBody = Type.Object({ code: CodeField }, { additionalProperties: false });

export const EmailChangeBody = Type.Object(
  {
    new_email: EmailField,
    password: Type.Optional(Type.String({ maxLength: 1024, description: 'required when the account has a password' })),
    current_email_code: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'password-less accounts: the code from POST /email/change/request-code' })),
  },
  { additionalProperties: false },
);

export const PasswordResetBody = Type.Object({ email: EmailField }, { additionalProperties: false });

export const PasswordResetConfirmBody = Type.Object({ email: EmailField, code: CodeField, new_password: PasswordField }, { additionalProperties: false });

export const VerifyLinkQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 256 })) });

export const Accepted = { type: 'null', description: 'Accepted' } as const;
