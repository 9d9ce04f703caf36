import { sql } from 'kysely';
import type { Executor } from '../db/database-types.js';

/** one stored model of the OpenID Connect provider library (grant, code, token, session, interaction) */
export interface OidcPayloadRow {
  payload: Record<string, unknown>;
  consumed: boolean;
}

export class OidcPayloadsRepository {
  async upsert(db: Executor, model: string, id: string, payload: Record<string, unknown>, expiresAt: Date | null): Promise<void> {
    const text = (key: string): string | null => (typeof payload[key] === 'string' ? (payload[key] as string) : null);
    const values = { payload: JSON.stringify(payload), grant_id: text('grantId'), user_code: text('userCode'), uid: text('uid'), expires_at: expiresAt };
    await db
      .insertInto('oidc_payloads')
      .values({ model, id, ...values, consumed_at: null })
      .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(values))
      .execute();
  }

  /** the live row (`now` before its expiry), or null */
  async find(db: Executor, model: string, column: 'id' | 'uid' | 'user_code', value: string, now: Date): Promise<OidcPayloadRow | null> {
    const row = await db
      .selectFrom('oidc_payloads')
      .select(['payload', 'consumed_at'])
      .where('model', '=', model)
      .where(column, '=', value)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return row ? { payload: row.payload, consumed: row.consumed_at !== null } : null;
  }

  async consume(db: Executor, model: string, id: string, at: Date): Promise<void> {
    await db.updateTable('oidc_payloads').set({ consumed_at: at }).where('model', '=', model).where('id', '=', id).execute();
  }

  async destroy(db: Executor, model: string, id: string): Promise<void> {
    await db.deleteFrom('oidc_payloads').where('model', '=', model).where('id', '=', id).execute();
  }

  /**
   * the tokens and codes issued under one grant; the grant itself (the user's consent) stays: only
   * the user's withdrawal or the client's deletion removes it
   */
  async destroyGrant(db: Executor, grantId: string): Promise<void> {
    await db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).where('model', '<>', 'Grant').execute();
  }

  /** the id of the live grant (consent) of a user to a client, or null */
  async findGrantId(db: Executor, accountId: string, clientId: string, now: Date): Promise<string | null> {
    const row = await db
      .selectFrom('oidc_payloads')
      .select('id')
      .where('model', '=', 'Grant')
      .where(sql<string>`payload->>'accountId'`, '=', accountId)
      .where(sql<string>`payload->>'clientId'`, '=', clientId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('expires_at', 'desc')
      .executeTakeFirst();
    return row?.id ?? null;
  }

  /** deletes up to `limit` rows that expired before `now`; the number deleted */
  async sweep(db: Executor, now: Date, limit: number): Promise<number> {
    const result = await db
      .deleteFrom('oidc_payloads')
      .where(sql<boolean>`(model, id) in (select model, id from oidc_payloads where expires_at < ${now} limit ${limit})`)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** a user's live grants (consents), oldest first */
  async listGrants(db: Executor, accountId: string, now: Date): Promise<{ id: string; payload: Record<string, unknown> }[]> {
    return db
      .selectFrom('oidc_payloads')
      .select(['id', 'payload'])
      .where('model', '=', 'Grant')
      .where(sql<string>`payload->>'accountId'`, '=', accountId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy(sql`(payload->>'iat')::bigint`)
      .execute();
  }

  /** removes a user's grants to a client and everything issued under them; the number of grants removed */
  async deleteGrants(db: Executor, accountId: string, clientId: string): Promise<number> {
    const grants = await db
      .deleteFrom('oidc_payloads')
      .where('model', '=', 'Grant')
      .where(sql<string>`payload->>'accountId'`, '=', accountId)
      .where(sql<string>`payload->>'clientId'`, '=', clientId)
      .returning('id')
      .execute();
    if (grants.length > 0) await db.deleteFrom('oidc_payloads').where('grant_id', 'in', grants.map((g) => g.id)).execute();
    return grants.length;
  }

  /** a user's tokens, codes and provider sessions (with `andGrants`, the consents too) */
  async deleteOfAccount(db: Executor, accountId: string, andGrants: boolean): Promise<void> {
    await db
      .deleteFrom('oidc_payloads')
      .where(sql<string>`payload->>'accountId'`, '=', accountId)
      .where('model', 'in', andGrants ? ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'Session', 'Grant'] : ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'Session'])
      .execute();
  }
}
