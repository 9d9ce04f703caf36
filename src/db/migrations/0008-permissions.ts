import { sql, type Kysely } from 'kysely';

/**
 * A neutral product: the operator's own permissions, and seeds that no longer assume a shop.
 * - permissions: permissions the operator defines for the applications Gatehouse guards (the
 *   built-in ones live in code). Roles refer to them by name in roles.permissions.
 * - the `user` role (no permission): the new default DEFAULT_ROLE. Kept as it is when a role of
 *   that name already exists.
 * - the shop's `buyer` and `seller` roles now belong to the products module (PRODUCTS=on seeds
 *   them at start). They are removed here only where nobody could miss them: no user holds them and
 *   they still carry exactly their seeded permissions. A deployment that used the shop keeps both
 *   roles with their grants (users keep the roles they hold); with PRODUCTS unset the products
 *   routes answer 404 and the products:* grants are inert until PRODUCTS=on, and no product row is
 *   touched. A fresh database ends up with `admin` and `user` only.
 */
const statements = [
  `create table permissions (
    name text primary key,
    description text,
    created_at timestamptz not null
  )`,
  `insert into roles (name, description, permissions) values ('user', 'Users: no permission', '{}') on conflict (name) do nothing`,
  `delete from roles r
    where (r.name = 'buyer' and r.permissions = array['products:read']::text[]
        or r.name = 'seller' and r.permissions = array['products:read','products:write']::text[])
      and not exists (select 1 from user_roles ur where ur.role_name = r.name)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
