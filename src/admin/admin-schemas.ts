/**
 * Request and response schemas of the admin API (docs/api.md Admin). Bodies are strict; responses are
 * whitelists built by the `to…View` functions, so nothing a record carries beyond the contract
 * (password hashes, sealed refresh tokens, audit hashes) can reach a client.
 */
import { Type, type Static } from '@sinclair/typebox';
import { AUDIT_TYPES, auditEventView, type AuditRow, type AuditType } from '../audit/audit-service.js';
import { PageQuery } from '../http/pagination.js';
import { Nullable, Timestamp, Uuid } from '../http/schema-helpers.js';
import { PERMISSION_NAME_MAX, PERMISSION_NAME_MIN } from '../roles/permissions.js';
import type { PermissionEntry, RoleRecord } from '../roles/roles-service.js';
import { EmailField, NameField, PasswordField, UserSchema, UsernameField } from '../users/users-schemas.js';

export const ROLE_NAME_PATTERN = '^[a-z0-9_-]{2,32}$';

export const RoleName = Type.String({ pattern: ROLE_NAME_PATTERN, description: '2–32 of a-z 0-9 _ -' });
/** a role name looked up (path, filter), as opposed to one being created */
const RoleLookup = Type.String({ minLength: 1, maxLength: 64, description: 'role name' });
const RoleList = Type.Array(RoleName, { maxItems: 32, description: 'role names; unknown roles are refused' });
const permissionList = (options: { default?: string[] } = {}) =>
  Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64, description: 'permission names from GET /admin/permissions', ...options });

// ---- users

export const UserListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 254, description: 'case-insensitive substring of email, username or name' })),
  // any text: a name no role can have simply matches nobody (an empty list, not a 400)
  role: Type.Optional(RoleLookup),
  ...PageQuery,
});

export const UserPage = Type.Object({ items: Type.Array(UserSchema), next_cursor: Nullable(Type.String()) });

export const CreateUserBody = Type.Object(
  {
    // required unless ACCOUNT_EMAIL=optional and a username is given (checked by the service)
    email: Type.Optional(EmailField),
    password: PasswordField,
    username: Type.Optional(Nullable(UsernameField)),
    name: Type.Optional(Nullable(NameField)),
    roles: Type.Optional(RoleList),
  },
  { additionalProperties: false },
);

// ids in the path are checked by the shared uuid format: a malformed one is 400, like every id
export const UserSessionParams = Type.Object({ id: Uuid, session_id: Uuid }, { additionalProperties: false });

export const PatchUserBody = Type.Object(
  {
    name: Type.Optional(Nullable(NameField)),
    // a new address is unverified unless email_verified is true in the same request (the service's rule)
    email: Type.Optional(EmailField),
    roles: Type.Optional(RoleList),
    disabled: Type.Optional(Type.Boolean({ description: 'true revokes every session of the user' })),
    email_verified: Type.Optional(Type.Boolean()),
    password: Type.Optional(Type.String({ description: 'sets a new password (8–128 characters) and revokes every session of the user' })),
  },
  { additionalProperties: false },
);

// ---- roles and permissions

export const RoleSchema = Type.Object({ name: Type.String(), description: Nullable(Type.String()), permissions: Type.Array(Type.String()) });

// a name outside the pattern cannot be an existing role: 404 like any unknown role (docs/api.md)
export const RoleNameParams = Type.Object({ name: RoleLookup }, { additionalProperties: false });

export const CreateRoleBody = Type.Object(
  {
    name: RoleName,
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    permissions: Type.Optional(permissionList({ default: [] })),
  },
  { additionalProperties: false },
);

export const PatchRoleBody = Type.Object(
  { description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))), permissions: Type.Optional(permissionList()) },
  { additionalProperties: false },
);

export const RoleList200 = Type.Object({ items: Type.Array(RoleSchema) });

export const PermissionSchema = Type.Object({
  name: Type.String(),
  description: Nullable(Type.String()),
  builtin: Type.Boolean({ description: "built in (Gatehouse's own, or a module's); false for the operator's own" }),
});

export const PermissionCatalogue = Type.Object({ items: Type.Array(PermissionSchema) });

export const CreatePermissionBody = Type.Object(
  {
    // the pattern is checked by the service, after built-in names (taken: 409, whatever their shape)
    name: Type.String({
      minLength: PERMISSION_NAME_MIN,
      maxLength: PERMISSION_NAME_MAX,
      description: '<namespace>:<action>, each of a-z 0-9 _ -, 3–64 characters in all (e.g. invoices:read)',
    }),
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  },
  { additionalProperties: false },
);

// a name outside the pattern cannot be a stored permission: 404 like any unknown one
export const PermissionNameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64, description: 'permission name' }) }, { additionalProperties: false });

export function toPermissionView(p: PermissionEntry): Static<typeof PermissionSchema> {
  return { name: p.name, description: p.description, builtin: p.builtin };
}

export function toRoleView(r: RoleRecord): Static<typeof RoleSchema> {
  return { name: r.name, description: r.description, permissions: [...r.permissions] };
}

// ---- audit

export const AuditTypeField = Type.Unsafe<AuditType>({ type: 'string', enum: [...AUDIT_TYPES], description: 'an audit event type' });

export const AuditQuery = Type.Object({
  user_id: Type.Optional(Uuid),
  type: Type.Optional(AuditTypeField),
  ...PageQuery,
});

export const AuditEventSchema = Type.Object({
  id: Uuid,
  type: Type.String(),
  user_id: Nullable(Uuid),
  actor_id: Nullable(Uuid),
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  data: Type.Record(Type.String(), Type.Unknown()),
  created_at: Timestamp,
});

export const AuditPage = Type.Object({ items: Type.Array(AuditEventSchema), next_cursor: Nullable(Type.String()) });

export function toAuditEventView(e: AuditRow): Static<typeof AuditEventSchema> {
  return auditEventView(e);
}
