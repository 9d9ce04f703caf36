import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from '../http/schema-helpers.js';
import { OIDC_GRANT_TYPES, OIDC_SCOPES, type OidcClientView } from './oidc-clients-service.js';

const Uri = Type.String({ minLength: 1, maxLength: 2000 });
const UriList = Type.Array(Uri, { maxItems: 50 });
const GrantTypes = Type.Array(Type.Union(OIDC_GRANT_TYPES.map((g) => Type.Literal(g))), { minItems: 1, maxItems: 3 });
const Scopes = Type.Array(Type.Union(OIDC_SCOPES.map((s) => Type.Literal(s))), { maxItems: 5, description: 'the scopes the client may ask for' });
const Permissions = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100, description: 'what a machine holding a client-credentials token may do (permission names of the catalogue)' });

export const OidcClientParams = Type.Object({ client_id: Type.String({ minLength: 1, maxLength: 64 }) });

export const OidcClientSchema = Type.Object({
  client_id: Type.String(),
  name: Type.String(),
  type: Type.Union([Type.Literal('confidential'), Type.Literal('public')]),
  redirect_uris: Type.Array(Type.String()),
  post_logout_redirect_uris: Type.Array(Type.String()),
  grant_types: Type.Array(Type.String()),
  scopes: Type.Array(Type.String()),
  permissions: Type.Array(Type.String()),
  skip_consent: Type.Boolean(),
  enabled: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

/** the answer to a creation or a rotation: the client and, for a confidential one, its secret (shown once) */
export const OidcClientWithSecret = Type.Intersect([OidcClientSchema, Type.Object({ client_secret: Type.Optional(Type.String()) })]);

export const OidcClientList = Type.Object({ items: Type.Array(OidcClientSchema) });

export const CreateOidcClientBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    type: Type.Optional(Type.Union([Type.Literal('confidential'), Type.Literal('public')], { description: 'default confidential' })),
    redirect_uris: Type.Optional(UriList),
    post_logout_redirect_uris: Type.Optional(UriList),
    grant_types: Type.Optional(GrantTypes),
    scopes: Type.Optional(Scopes),
    permissions: Type.Optional(Permissions),
    skip_consent: Type.Optional(Type.Boolean()),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const PatchOidcClientBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    redirect_uris: Type.Optional(UriList),
    post_logout_redirect_uris: Type.Optional(UriList),
    grant_types: Type.Optional(GrantTypes),
    scopes: Type.Optional(Scopes),
    permissions: Type.Optional(Permissions),
    skip_consent: Type.Optional(Type.Boolean()),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export function toOidcClientView(c: OidcClientView): Static<typeof OidcClientSchema> {
  return {
    client_id: c.clientId,
    name: c.name,
    type: c.type,
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    grant_types: c.grantTypes,
    scopes: c.scopes,
    permissions: c.permissions,
    skip_consent: c.skipConsent,
    enabled: c.enabled,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}
