import { Type, type Static } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from '../http/schema-helpers.js';
import type { IdentityRecord } from './identities-repository.js';
import type { ProviderView } from './providers-service.js';

// ---- public --------------------------------------------------------------------------------------

export const ProviderParams = Type.Object({ provider: Type.String({ maxLength: 64, description: 'provider id' }) });

export const PublicProviderList = Type.Object({ items: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })) });

export const AuthorizeQuery = Type.Object({
  redirect_to: Type.Optional(Type.String({ description: 'a same-origin path to land on afterwards (anything else is ignored)' })),
  mode: Type.Optional(Type.Literal('link', { description: 'link the provider to the signed-in caller (bearer token) instead of signing in' })),
});

/** what providers send back: lenient, they add parameters of their own */
export const CallbackQuery = Type.Object({
  code: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  error_description: Type.Optional(Type.String()),
  iss: Type.Optional(Type.String()),
});

export const Redirect = { type: 'null', description: 'Found: see the Location header' } as const;

export const IdentitySchema = Type.Object({
  id: Uuid,
  provider: Type.String(),
  subject: Type.String(),
  email: Nullable(Type.String()),
  created_at: Timestamp,
});

export const IdentityList = Type.Object({ items: Type.Array(IdentitySchema) });

export function toIdentityView(i: IdentityRecord): Static<typeof IdentitySchema> {
  return { id: i.id, provider: i.provider, subject: i.subject, email: i.email, created_at: i.createdAt.toISOString() };
}

// ---- admin ---------------------------------------------------------------------------------------

const UrlField = Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL (https only when NODE_ENV=production)' });
const Scopes = Type.Array(Type.String({ minLength: 1, maxLength: 200, pattern: '^\\S+$' }), { maxItems: 50 });

export const AdminProviderParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const AdminProviderSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  issuer: Nullable(Type.String()),
  client_id: Type.String(),
  authorization_url: Nullable(Type.String()),
  token_url: Nullable(Type.String()),
  userinfo_url: Nullable(Type.String()),
  scopes: Nullable(Type.Array(Type.String())),
  link_by_email: Type.Boolean({ description: 'a new identity may join an existing account with the same verified email (never one with MFA or users:admin)' }),
  enabled: Type.Boolean(),
}, { description: 'client_secret is write-only: never returned' });

export const AdminProviderList = Type.Object({ items: Type.Array(AdminProviderSchema) });

/** the optional endpoint overrides and switches a provider's create and update bodies share */
const endpointOverrides = {
  authorization_url: Type.Optional(Nullable(UrlField)),
  token_url: Type.Optional(Nullable(UrlField)),
  userinfo_url: Type.Optional(Nullable(UrlField)),
  scopes: Type.Optional(Nullable(Scopes)),
  link_by_email: Type.Optional(Type.Boolean({ description: 'default true; false = a new identity never joins an existing account by email' })),
  enabled: Type.Optional(Type.Boolean()),
};

export const CreateProviderBody = Type.Object(
  {
    id: Type.String({ minLength: 2, maxLength: 32, pattern: '^[a-z0-9_-]+$', description: 'a built-in id (google, github, facebook, twitter) or any other for generic OIDC' }),
    name: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    issuer: Type.Optional(Nullable(UrlField)),
    client_id: Type.String({ minLength: 1, maxLength: 512 }),
    client_secret: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 4096, description: 'write-only; stored encrypted' }))),
    ...endpointOverrides,
  },
  { additionalProperties: false },
);

export const PatchProviderBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    issuer: Type.Optional(Nullable(UrlField)),
    client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    client_secret: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 4096, description: 'write-only; stored encrypted; null removes it' }))),
    ...endpointOverrides,
  },
  { additionalProperties: false },
);

export function toAdminProviderView(p: ProviderView): Static<typeof AdminProviderSchema> {
  return {
    id: p.id,
    name: p.name,
    issuer: p.issuer,
    client_id: p.clientId,
    authorization_url: p.authorizationUrl,
    token_url: p.tokenUrl,
    userinfo_url: p.userinfoUrl,
    scopes: p.scopes,
    link_by_email: p.linkByEmail,
    enabled: p.enabled,
  };
}
