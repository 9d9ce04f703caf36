import type { Selectable, Updateable } from 'kysely';
import type { Executor, OAuthProvidersTable } from '../db/database-types.js';

export interface ProviderRow {
  id: string;
  name: string;
  issuer: string | null;
  clientId: string;
  /** sealed; opened only to talk to the provider */
  clientSecretEnc: string | null;
  authorizationUrl: string | null;
  tokenUrl: string | null;
  userinfoUrl: string | null;
  scopes: string[] | null;
  /** a new identity may join an existing account with the same verified email */
  linkByEmail: boolean;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type ProviderChanges = Partial<Omit<ProviderRow, 'id' | 'createdAt' | 'updatedAt'>>;

function toRow(r: Selectable<OAuthProvidersTable>): ProviderRow {
  return {
    id: r.id,
    name: r.name,
    issuer: r.issuer,
    clientId: r.client_id,
    clientSecretEnc: r.client_secret_enc,
    authorizationUrl: r.authorization_url,
    tokenUrl: r.token_url,
    userinfoUrl: r.userinfo_url,
    scopes: r.scopes,
    linkByEmail: r.link_by_email,
    enabled: r.enabled,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toColumns(c: ProviderChanges): Updateable<OAuthProvidersTable> {
  const set: Updateable<OAuthProvidersTable> = {};
  if (c.name !== undefined) set.name = c.name;
  if (c.issuer !== undefined) set.issuer = c.issuer;
  if (c.clientId !== undefined) set.client_id = c.clientId;
  if (c.clientSecretEnc !== undefined) set.client_secret_enc = c.clientSecretEnc;
  if (c.authorizationUrl !== undefined) set.authorization_url = c.authorizationUrl;
  if (c.tokenUrl !== undefined) set.token_url = c.tokenUrl;
  if (c.userinfoUrl !== undefined) set.userinfo_url = c.userinfoUrl;
  if (c.scopes !== undefined) set.scopes = c.scopes;
  if (c.linkByEmail !== undefined) set.link_by_email = c.linkByEmail;
  if (c.enabled !== undefined) set.enabled = c.enabled;
  return set;
}

export class ProvidersRepository {
  async list(db: Executor): Promise<ProviderRow[]> {
    return (await db.selectFrom('oauth_providers').selectAll().orderBy('id').execute()).map(toRow);
  }

  async find(db: Executor, id: string): Promise<ProviderRow | null> {
    const row = await db.selectFrom('oauth_providers').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRow(row) : null;
  }

  /** false when a provider with this id exists already */
  async insert(db: Executor, row: ProviderRow): Promise<boolean> {
    const result = await db
      .insertInto('oauth_providers')
      .values({
        id: row.id,
        name: row.name,
        issuer: row.issuer,
        client_id: row.clientId,
        client_secret_enc: row.clientSecretEnc,
        authorization_url: row.authorizationUrl,
        token_url: row.tokenUrl,
        userinfo_url: row.userinfoUrl,
        scopes: row.scopes,
        link_by_email: row.linkByEmail,
        enabled: row.enabled,
        created_at: row.createdAt,
        updated_at: row.updatedAt,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return result !== undefined;
  }

  async update(db: Executor, id: string, changes: ProviderChanges, at: Date): Promise<ProviderRow | null> {
    const row = await db
      .updateTable('oauth_providers')
      .set({ ...toColumns(changes), updated_at: at })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row ? toRow(row) : null;
  }

  async delete(db: Executor, id: string): Promise<boolean> {
    const result = await db.deleteFrom('oauth_providers').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** the providers' sealed client secrets (`secrets rekey`) */
  async listSealedSecrets(db: Executor): Promise<{ id: string; clientSecretEnc: string }[]> {
    const rows = await db.selectFrom('oauth_providers').select(['id', 'client_secret_enc']).where('client_secret_enc', 'is not', null).orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, clientSecretEnc: r.client_secret_enc! }));
  }

  /** replaces a sealed client secret if it is still `from` (true when replaced); the secret itself is unchanged */
  async replaceSealedSecret(db: Executor, id: string, from: string, to: string): Promise<boolean> {
    const result = await db.updateTable('oauth_providers').set({ client_secret_enc: to }).where('id', '=', id).where('client_secret_enc', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
