import { Type } from '@sinclair/typebox';
import { CodeField } from '../email-ownership/email-schemas.js';
import { EmailField } from '../users/users-schemas.js';

export const EmailLoginRequestBody = Type.Object({ email: EmailField }, { additionalProperties: false });

export const EmailLoginBody = Type.Object({ email: EmailField, code: CodeField }, { additionalProperties: false });
