import { sql, type Selectable, type Updateable } from 'kysely';
import type { Executor, OidcClientsTable } from '../db/database-types.js';

export type OidcClientType = 'confidential' | 'public';

export interface OidcClientRow {
  clientId: string;
  name: string;
  type: OidcClientType;
  /** sealed; opened only to authenticate the client at the token endpoint */
  clientSecretEnc: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  scopes: string[];
  permissions: string[];
  skipConsent: boolean;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type OidcClientChanges = Partial<Omit<OidcClientRow, 'clientId' | 'type' | 'createdAt' | 'updatedAt'>>;

function toRow(r: Selectable<OidcClientsTable>): OidcClientRow {
  return {
    clientId: r.client_id,
    name: r.name,
    type: r.type,
    clientSecretEnc: r.client_secret_enc,
    redirectUris: r.redirect_uris,
    postLogoutRedirectUris: r.post_logout_redirect_uris,
    grantTypes: r.grant_types,
    scopes: r.scopes,
    permissions: r.permissions,
    skipConsent: r.skip_consent,
    enabled: r.enabled,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toColumns(c: OidcClientChanges): Updateable<OidcClientsTable> {
  const set: Updateable<OidcClientsTable> = {};
  if (c.name !== undefined) set.name = c.name;
  if (c.clientSecretEnc !== undefined) set.client_secret_enc = c.clientSecretEnc;
  if (c.redirectUris !== undefined) set.redirect_uris = c.redirectUris;
  if (c.postLogoutRedirectUris !== undefined) set.post_logout_redirect_uris = c.postLogoutRedirectUris;
  if (c.grantTypes !== undefined) set.grant_types = c.grantTypes;
  if (c.scopes !== undefined) set.scopes = c.scopes;
  if (c.permissions !== undefined) set.permissions = c.permissions;
  if (c.skipConsent !== undefined) set.skip_consent = c.skipConsent;
  if (c.enabled !== undefined) set.enabled = c.enabled;
  return set;
}

export class OidcClientsRepository {
  async list(db: Executor): Promise<OidcClientRow[]> {
    return (await db.selectFrom('oidc_clients').selectAll().orderBy('created_at').orderBy('client_id').execute()).map(toRow);
  }

  async find(db: Executor, clientId: string): Promise<OidcClientRow | null> {
    const row = await db.selectFrom('oidc_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row ? toRow(row) : null;
  }

  async insert(db: Executor, row: OidcClientRow): Promise<void> {
    await db
      .insertInto('oidc_clients')
      .values({
        client_id: row.clientId,
        name: row.name,
        type: row.type,
        client_secret_enc: row.clientSecretEnc,
        redirect_uris: row.redirectUris,
        post_logout_redirect_uris: row.postLogoutRedirectUris,
        grant_types: row.grantTypes,
        scopes: row.scopes,
        permissions: row.permissions,
        skip_consent: row.skipConsent,
        enabled: row.enabled,
        created_at: row.createdAt,
        updated_at: row.updatedAt,
      })
      .execute();
  }

  async update(db: Executor, clientId: string, changes: OidcClientChanges, at: Date): Promise<OidcClientRow | null> {
    const row = await db
      .updateTable('oidc_clients')
      .set({ ...toColumns(changes), updated_at: at })
      .where('client_id', '=', clientId)
      .returningAll()
      .executeTakeFirst();
    return row ? toRow(row) : null;
  }

  /** the client and everything the provider keeps for it (grants, codes, tokens): false when unknown */
  async delete(db: Executor, clientId: string): Promise<boolean> {
    const result = await db.deleteFrom('oidc_clients').where('client_id', '=', clientId).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    await db
      .deleteFrom('oidc_payloads')
      .where(sql<string>`payload->>'clientId'`, '=', clientId)
      .execute();
    return true;
  }

  /** every sealed client secret (secrets rekey) */
  async listSealedSecrets(db: Executor): Promise<{ clientId: string; clientSecretEnc: string }[]> {
    const rows = await db.selectFrom('oidc_clients').select(['client_id', 'client_secret_enc']).where('client_secret_enc', 'is not', null).orderBy('client_id').execute();
    return rows.map((r) => ({ clientId: r.client_id, clientSecretEnc: r.client_secret_enc! }));
  }

  /** replaces a sealed secret if it is still `from` (true when replaced); the secret itself is unchanged */
  async replaceSealedSecret(db: Executor, clientId: string, from: string, to: string): Promise<boolean> {
    const result = await db.updateTable('oidc_clients').set({ client_secret_enc: to }).where('client_id', '=', clientId).where('client_secret_enc', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
