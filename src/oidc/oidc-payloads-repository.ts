import { sql } from 'kysely';
import type { Executor } from '../db/database-types.js';
import { StatementTemplate } from '../db/statement-template.js';

/** one stored model of the OpenID Connect provider library (grant, code, token, session, interaction) */
export interface OidcPayloadRow {
  payload: Record<string, unknown>;
  consumed: boolean;
}

/** an authorization code as the token endpoint reads it: with its grant and, when bound to it, the provider session */
export interface OidcCodeRows {
  code: OidcPayloadRow;
  /** the live grant the code names; null: none */
  grant: OidcPayloadRow | null;
  /** the live provider session a session-bound code names; null: none, or the code is not bound to one */
  session: OidcPayloadRow | null;
}

/** `alias`'s row is live at `now` */
function live(alias: 'c' | 'g' | 's', now: Date) {
  const expiresAt = sql.ref(`${alias}.expires_at`);
  return sql<boolean>`(${expiresAt} is null or ${expiresAt} > ${now})`;
}

/** one statement for a redemption's reads: the code, the grant it names, the provider session it is bound to */
const codeWithGrantAndSession = new StatementTemplate(2, (db: Executor, id: string, now: Date) =>
  db
    .selectFrom('oidc_payloads as c')
    .leftJoin('oidc_payloads as g', (join) => join.on('g.model', '=', 'Grant').onRef('g.id', '=', 'c.grant_id').on(live('g', now)))
    .leftJoin('oidc_payloads as s', (join) =>
      join
        .on('s.model', '=', 'Session')
        .on('s.uid', '=', sql<string>`c.payload->>'sessionUid'`)
        .on(sql<string>`c.payload->>'expiresWithSession'`, '=', 'true')
        .on(live('s', now)),
    )
    .select(['c.payload', 'c.consumed_at', 'g.payload as grant_payload', 'g.consumed_at as grant_consumed_at', 'g.id as grant_id_found', 's.payload as session_payload', 's.consumed_at as session_consumed_at', 's.id as session_id_found'])
    .where('c.model', '=', 'AuthorizationCode')
    .where('c.id', '=', id)
    .where(live('c', now)),
);

/**
 * one statement for a redemption's writes: the code is used up — only if no other redemption used
 * it up first (the row lock decides between instances) — and the token it buys is stored only then
 */
const consumeCodeAndStore = new StatementTemplate(
  7,
  (db: Executor, codeId: string, at: Date, model: string, id: string, payload: string, grantId: string | null, expiresAt: Date | null) =>
    db
      .with('claimed', (qb) =>
        qb.updateTable('oidc_payloads').set({ consumed_at: at }).where('model', '=', 'AuthorizationCode').where('id', '=', codeId).where('consumed_at', 'is', null).returning('id'),
      )
      .insertInto('oidc_payloads')
      .columns(['model', 'id', 'payload', 'grant_id', 'expires_at'])
      .expression((eb) =>
        eb
          .selectFrom('claimed')
          .select([
            sql<string>`cast(${model} as text)`.as('model'),
            sql<string>`cast(${id} as text)`.as('id'),
            sql<string>`cast(${payload} as jsonb)`.as('payload'),
            sql<string>`cast(${grantId} as text)`.as('grant_id'),
            sql<Date>`cast(${expiresAt} as timestamptz)`.as('expires_at'),
          ]),
      )
      .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet((eb) => ({ payload: eb.ref('excluded.payload'), grant_id: eb.ref('excluded.grant_id'), expires_at: eb.ref('excluded.expires_at') })))
      .returning('id'),
);

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

  /** the live authorization code with the live grant and provider session it names (see OidcCodeRows), or null */
  async findCode(db: Executor, id: string, now: Date): Promise<OidcCodeRows | null> {
    const row = await codeWithGrantAndSession.executeTakeFirst(db, id, now);
    if (!row) return null;
    return {
      code: { payload: row.payload, consumed: row.consumed_at !== null },
      grant: row.grant_id_found !== null && row.grant_payload !== null ? { payload: row.grant_payload, consumed: row.grant_consumed_at !== null } : null,
      session: row.session_id_found !== null && row.session_payload !== null ? { payload: row.session_payload, consumed: row.session_consumed_at !== null } : null,
    };
  }

  async consume(db: Executor, model: string, id: string, at: Date): Promise<void> {
    await db.updateTable('oidc_payloads').set({ consumed_at: at }).where('model', '=', model).where('id', '=', id).execute();
  }

  /** marks an authorization code used up unless it already was; whether this call did */
  async claimCode(db: Executor, id: string, at: Date): Promise<boolean> {
    const row = await db
      .updateTable('oidc_payloads')
      .set({ consumed_at: at })
      .where('model', '=', 'AuthorizationCode')
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Uses up an authorization code and stores the token it buys, in one statement; nothing is
   * stored when the code was already used up (by a redemption on any instance). Whether the token
   * was stored.
   */
  async consumeCodeAndUpsert(db: Executor, codeId: string, at: Date, model: string, id: string, payload: Record<string, unknown>, expiresAt: Date | null): Promise<boolean> {
    const grantId = typeof payload.grantId === 'string' ? payload.grantId : null;
    const rows = await consumeCodeAndStore.execute(db, codeId, at, model, id, JSON.stringify(payload), grantId, expiresAt);
    return rows.length > 0;
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
