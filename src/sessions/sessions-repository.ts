import { sql } from 'kysely';
import type { Selectable, SqlBool } from 'kysely';
import type { Executor, SessionsTable, StatementStart } from '../db/database-types.js';
import { ComposedTemplate, CteTemplate, type StatementPart } from '../db/statement-template.js';
import type { OutboxRow } from '../mail/outbox-row.js';
import { withQueuedWhen } from '../outbox/outbox-queue.js';

export interface SessionRecord {
  id: string;
  userId: string;
  refreshTokenEnc: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  maxExpiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  device: { browser: string | null; os: string | null; type: string | null };
  location: { country: string | null; city: string | null } | null;
  revokedAt: Date | null;
  /** how the session was signed in (RFC 8176 `amr`) */
  amr: string[];
}

export interface NewSession {
  id: string;
  userId: string;
  refreshTokenEnc: string;
  refreshTokenHash: string;
  createdAt: Date;
  expiresAt: Date;
  maxExpiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  device: { browser: string | null; os: string | null; type: string | null };
  location: { country: string | null; city: string | null } | null;
  amr: string[];
}

type Row = Selectable<SessionsTable>;

function toRecord(r: Row): SessionRecord {
  return {
    id: r.id,
    userId: r.user_id,
    refreshTokenEnc: r.refresh_token_enc,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
    maxExpiresAt: r.max_expires_at,
    ip: r.ip,
    userAgent: r.user_agent,
    device: { browser: r.device_browser, os: r.device_os, type: r.device_type },
    location: r.location_country || r.location_city ? { country: r.location_country, city: r.location_city } : null,
    revokedAt: r.revoked_at,
    amr: r.amr,
  };
}

/** a new session's values as the statements built once take them: parameters only, flat */
type SessionParams = Omit<NewSession, 'device' | 'location'> & {
  deviceBrowser: string | null;
  deviceOs: string | null;
  deviceType: string | null;
  locationCountry: string | null;
  locationCity: string | null;
};

/** with the new-device notice: its outbox row's own values (`data` as JSON text) */
type SessionWithNoticeParams = SessionParams & {
  noticeId: string;
  noticeTemplate: string;
  noticeTo: string;
  noticeData: string;
  noticeCreatedAt: Date;
};

function sessionParams(s: NewSession): SessionParams {
  return {
    id: s.id,
    userId: s.userId,
    refreshTokenEnc: s.refreshTokenEnc,
    refreshTokenHash: s.refreshTokenHash,
    createdAt: s.createdAt,
    expiresAt: s.expiresAt,
    maxExpiresAt: s.maxExpiresAt,
    ip: s.ip,
    userAgent: s.userAgent,
    deviceBrowser: s.device.browser,
    deviceOs: s.device.os,
    deviceType: s.device.type,
    locationCountry: s.location?.country ?? null,
    locationCity: s.location?.city ?? null,
    amr: s.amr,
  };
}

/**
 * The session and its first refresh token as two CTEs on `start` (built once: `s` holds markers,
 * see db/statement-template.ts). The refresh token's row takes the session's id and time from the
 * session's CTE.
 */
function withSession(start: StatementStart, s: SessionParams): StatementStart {
  return start
    .with('new_session', (qb) =>
      qb
        .insertInto('sessions')
        .values({
          id: s.id,
          user_id: s.userId,
          refresh_token_enc: s.refreshTokenEnc,
          created_at: s.createdAt,
          last_used_at: s.createdAt,
          expires_at: s.expiresAt,
          max_expires_at: s.maxExpiresAt,
          ip: s.ip,
          user_agent: s.userAgent,
          device_browser: s.deviceBrowser,
          device_os: s.deviceOs,
          device_type: s.deviceType,
          location_country: s.locationCountry,
          location_city: s.locationCity,
          revoked_at: null,
          revoked_reason: null,
          amr: s.amr,
        })
        .returning(['id', 'created_at']),
    )
    .with('new_refresh_token', (qb) =>
      qb
        .insertInto('refresh_tokens')
        .columns(['token_hash', 'session_id', 'created_at', 'rotated_at'])
        .expression((eb) =>
          eb.selectFrom('new_session').select([sql<string>`${s.refreshTokenHash}::text`.as('token_hash'), 'new_session.id', 'new_session.created_at', sql<null>`null::timestamptz`.as('rotated_at')]),
        )
        .returning('token_hash'),
    ) as unknown as StatementStart;
}

const sessionInsert = new CteTemplate((start: StatementStart, s: SessionParams) => withSession(start, s));

/**
 * With the new-device notice: a third CTE (the outbox's builder) queues it when the user has had
 * sessions before but none from this device (same browser, OS and type). The CTEs read the
 * snapshot from before the statement, so the session being inserted does not count as an earlier one.
 */
const sessionInsertWithNotice = new CteTemplate((start: StatementStart, s: SessionWithNoticeParams) =>
  // the outbox writes the row (its table), this decides when
  withQueuedWhen(
    withSession(start, s),
    'unseen_device_notice',
    { id: s.noticeId, channel: 'mail', template: s.noticeTemplate, to: s.noticeTo, userId: s.userId, eventId: null, data: s.noticeData, createdAt: s.noticeCreatedAt },
    sql<SqlBool>`exists (select 1 from sessions where user_id = ${s.userId}::uuid)
      and not exists (select 1 from sessions where user_id = ${s.userId}::uuid
        and device_browser is not distinct from ${s.deviceBrowser}::text
        and device_os is not distinct from ${s.deviceOs}::text
        and device_type is not distinct from ${s.deviceType}::text)`,
  ),
);

/** the session's CTEs as a statement of their own */
const insertAlone = new ComposedTemplate((start: StatementStart, _: Record<string, never>) => start.selectNoFrom(sql<number>`1`.as('done')));

export class SessionsRepository {
  /**
   * The session and its first refresh token, as a part of a statement another feature ends (the
   * sign-in's audit event: one round trip, atomic as one statement). With `unseenDeviceNotice`,
   * the outbox row of that message too, queued only when this is a device the user has not used
   * before and not their first session: the new-device check of a sign-in costs no round trip of
   * its own. Each shape (notice or not) is built and compiled once (db/statement-template.ts).
   */
  insertPart(s: NewSession, unseenDeviceNotice?: OutboxRow): StatementPart {
    const params = sessionParams(s);
    if (!unseenDeviceNotice) return sessionInsert.of(params);
    return sessionInsertWithNotice.of({
      ...params,
      noticeId: unseenDeviceNotice.id,
      noticeTemplate: unseenDeviceNotice.template,
      noticeTo: unseenDeviceNotice.to,
      noticeData: JSON.stringify(unseenDeviceNotice.data),
      noticeCreatedAt: unseenDeviceNotice.createdAt,
    });
  }

  /** the session and its first refresh token, in one statement */
  async insert(db: Executor, s: NewSession): Promise<void> {
    await insertAlone.execute(db, [sessionInsert.of(sessionParams(s))], {});
  }

  async findById(db: Executor, id: string): Promise<SessionRecord | null> {
    const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async lockById(tx: Executor, id: string): Promise<SessionRecord | null> {
    const row = await tx.selectFrom('sessions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /** live = not revoked, not expired; newest first */
  async listLive(db: Executor, userId: string, now: Date): Promise<SessionRecord[]> {
    const rows = await db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toRecord);
  }

  /** sessions not revoked and not expired, of every user (metrics) */
  async countLive(db: Executor, now: Date): Promise<number> {
    const row = await db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async findRefreshToken(db: Executor, hash: string): Promise<{ sessionId: string; rotatedAt: Date | null } | null> {
    const row = await db.selectFrom('refresh_tokens').select(['session_id', 'rotated_at']).where('token_hash', '=', hash).executeTakeFirst();
    return row ? { sessionId: row.session_id, rotatedAt: row.rotated_at } : null;
  }

  /** atomically marks a current token rotated; false when someone else rotated it first */
  async markRotated(tx: Executor, hash: string, at: Date): Promise<boolean> {
    const result = await tx
      .updateTable('refresh_tokens')
      .set({ rotated_at: at })
      .where('token_hash', '=', hash)
      .where('rotated_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async insertRefreshToken(tx: Executor, hash: string, sessionId: string, at: Date): Promise<void> {
    await tx.insertInto('refresh_tokens').values({ token_hash: hash, session_id: sessionId, created_at: at, rotated_at: null }).execute();
  }

  async updateAfterRotation(tx: Executor, id: string, refreshTokenEnc: string, at: Date, expiresAt: Date): Promise<void> {
    await tx.updateTable('sessions').set({ refresh_token_enc: refreshTokenEnc, last_used_at: at, expires_at: expiresAt }).where('id', '=', id).execute();
  }

  /** sealed refresh tokens after session `afterId` (ids ascending): one page of a walk over every session */
  async listSealedRefreshTokens(db: Executor, afterId: string | null, limit: number): Promise<{ id: string; refreshTokenEnc: string }[]> {
    let q = db.selectFrom('sessions').select(['id', 'refresh_token_enc']).orderBy('id', 'asc').limit(limit);
    if (afterId !== null) q = q.where('id', '>', afterId);
    return (await q.execute()).map((r) => ({ id: r.id, refreshTokenEnc: r.refresh_token_enc }));
  }

  /** replaces a session's sealed refresh token if it still holds `from` (a rotation meanwhile wins); true when replaced */
  async replaceSealedRefreshToken(db: Executor, id: string, from: string, to: string): Promise<boolean> {
    const result = await db.updateTable('sessions').set({ refresh_token_enc: to }).where('id', '=', id).where('refresh_token_enc', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** returns whether the session was live before */
  async revoke(tx: Executor, id: string, at: Date, reason: string): Promise<boolean> {
    const result = await tx
      .updateTable('sessions')
      .set({ revoked_at: at, revoked_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** revokes every live session of a user (except one, when given); returns the revoked ids */
  async revokeAllForUser(tx: Executor, userId: string, at: Date, reason: string, exceptId?: string): Promise<string[]> {
    let q = tx
      .updateTable('sessions')
      .set({ revoked_at: at, revoked_reason: reason })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (exceptId) q = q.where('id', '!=', exceptId);
    const rows = await q.returning('id').execute();
    return rows.map((r) => r.id);
  }

  async idsForUser(db: Executor, userId: string): Promise<string[]> {
    const rows = await db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute();
    return rows.map((r) => r.id);
  }
}
